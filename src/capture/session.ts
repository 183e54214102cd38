// A capture session: one or more files (or streams) read into one set of calls. Each file
// gets its own dissector (TCP flows and fragments do not cross files); the correlator is
// shared, so a call split over several files is one call.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { TrunklineError, isTrunklineError } from '../core/index.js';
import { Correlator } from './correlate.js';
import { Dissector } from './dissect/dissector.js';
import type { CaptureErrorCode } from './errors.js';
import type { CapturedFrame } from './readers/frame.js';
import { HepFileReader } from './readers/hep-reader.js';
import { PCAP_MAGIC_NS, PCAP_MAGIC_US, PcapReader } from './readers/pcap-reader.js';
import { PCAPNG_SHB, PcapngReader } from './readers/pcapng-reader.js';
import { TextLogReader } from './readers/text-log.js';
import type { CaptureFileSummary, CaptureResult, TcpGap, UnreadableCount } from './types.js';

export type CaptureFormat = 'pcap' | 'pcapng' | 'hep' | 'text';

export interface CaptureOptions {
  /** UDP ports whose datagrams are HEP (default [9060]). */
  readonly hepPorts?: readonly number[];
  /** Skip format detection. */
  readonly format?: CaptureFormat;
  /** G.711 silence threshold for the RTP statistics (default −50 dBFS). */
  readonly silenceThresholdDbfs?: number;
  /** Date (ms since the epoch) for text logs that print only the time of day; default the file's mtime. */
  readonly referenceDate?: number;
  /** Called as bytes are read (for a progress bar). */
  readonly onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
}

/** Sniffs the format from the first bytes of a file. */
export function detectFormat(head: Uint8Array): CaptureFormat | undefined {
  if (head.length >= 4) {
    const be = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
    const le = ((head[3] << 24) | (head[2] << 16) | (head[1] << 8) | head[0]) >>> 0;
    if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS || le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) return 'pcap';
    if (be === PCAPNG_SHB) return 'pcapng';
    if (head[0] === 0x48 && head[1] === 0x45 && head[2] === 0x50 && head[3] === 0x33) return 'hep';
  }
  // Text: no NUL and mostly printable in the first 4 KiB.
  const n = Math.min(head.length, 4096);
  if (n === 0) return undefined;
  let printable = 0;
  for (let i = 0; i < n; i++) {
    const c = head[i];
    if (c === 0) return undefined;
    if (c >= 32 || c === 9 || c === 10 || c === 13) printable++;
  }
  return printable / n > 0.95 ? 'text' : undefined;
}

export class CaptureSession {
  readonly #opts: CaptureOptions;
  readonly #correlator: Correlator;
  readonly #files: CaptureFileSummary[] = [];
  readonly #errors: TrunklineError[] = [];
  readonly #unreadable = new Map<string, { count: number; detail?: string }>();
  #packets = 0;
  #bytes = 0;
  readonly #tcp = { segments: 0, retransmitted: 0, outOfOrder: 0, gaps: 0 };
  readonly #tcpGaps: TcpGap[] = [];
  readonly #frag = { fragments: 0, reassembled: 0, incomplete: 0 };

  constructor(options: CaptureOptions = {}) {
    this.#opts = options;
    this.#correlator = new Correlator(
      options.silenceThresholdDbfs === undefined ? {} : { silenceThresholdDbfs: options.silenceThresholdDbfs },
    );
  }

  #unread(reason: string, count: number, detail?: string): void {
    const u = this.#unreadable.get(reason);
    if (u === undefined) this.#unreadable.set(reason, detail === undefined ? { count } : { count, detail });
    else u.count += count;
  }

  /** Reads one file; returns the error that stopped it early, if any (the session keeps what was read). */
  async readFile(path: string): Promise<TrunklineError | undefined> {
    let size: number | undefined;
    let mtime: number;
    try {
      const st = await stat(path);
      size = st.size;
      mtime = st.mtimeMs;
    } catch (err) {
      return this.#fileError(path, new TrunklineError<CaptureErrorCode>('CAP_IO', `cannot read ${path}`, { cause: err, details: { path, offset: 0 } }));
    }
    return this.readStream(createReadStream(path, { highWaterMark: 1 << 20 }), path, { totalBytes: size, referenceDate: this.#opts.referenceDate ?? mtime });
  }

  #fileError(name: string, err: TrunklineError): TrunklineError {
    this.#errors.push(err);
    this.#files.push({ name, format: 'unknown', bytesRead: 0, packets: 0, sipMessages: 0, rtpPackets: 0, linkTypes: [], error: { code: err.code, message: err.message, offset: 0 } });
    return err;
  }

  /** Reads one byte stream (a Readable or any async iterable of chunks). */
  async readStream(
    input: AsyncIterable<Uint8Array | string>,
    name = 'stream',
    extra: { totalBytes?: number; referenceDate?: number } = {},
  ): Promise<TrunklineError | undefined> {
    const fileIndex = this.#files.length;
    const corr = this.#correlator;
    corr.file = fileIndex;
    corr.fileSip = 0;
    corr.fileRtp = 0;
    corr.source = 'capture';
    const dissector = new Dissector(corr, this.#opts.hepPorts === undefined ? {} : { hepPorts: this.#opts.hepPorts });
    let internalErrors = 0;
    let internalDetail: string | undefined;
    const onFrame = (f: CapturedFrame): void => {
      try {
        corr.observe(f.at);
        dissector.frame(f);
      } catch (err) {
        // A bug must not cost the rest of the file: count it, say what it was.
        internalErrors++;
        internalDetail ??= `frame ${dissector.frames}: ${err instanceof Error ? err.message : String(err)}`;
      }
    };
    let format: CaptureFormat | undefined = this.#opts.format;
    type Reader = { push(c: Uint8Array): void; end(): void; readonly offset: number };
    let reader: Reader | undefined;
    let pcapng: PcapngReader | undefined;
    let pcap: PcapReader | undefined;
    let error: TrunklineError | undefined;
    let bytesRead = 0;
    let head: Uint8Array = new Uint8Array(0);

    const start = (f: CaptureFormat): Reader => {
      format = f;
      if (f === 'pcap') return (pcap = new PcapReader(onFrame));
      if (f === 'pcapng') return (pcapng = new PcapngReader(onFrame));
      if (f === 'hep') {
        return new HepFileReader((rec) => {
          try {
            dissector.hepRecord(rec, 0);
          } catch (err) {
            internalErrors++;
            internalDetail ??= err instanceof Error ? err.message : String(err);
          }
        });
      }
      corr.source = 'log';
      return new TextLogReader(
          (m) => {
            dissector.frames++;
            corr.sip({ at: m.at, src: m.src, dst: m.dst, transport: m.transport, bytes: m.bytes, frame: m.line });
          },
        extra.referenceDate ?? this.#opts.referenceDate ?? 0,
      );
    };

    /** Sniffs the format from the first bytes, starts its reader and feeds it those bytes. */
    const begin = (first: Uint8Array): Reader => {
      const f = format ?? detectFormat(first);
      if (f === undefined) {
        throw new TrunklineError<CaptureErrorCode>('CAP_UNKNOWN_FORMAT', `${name} is not pcap, pcapng, HEP or a SIP text log`, {
          details: { offset: 0, magic: Buffer.from(first.subarray(0, 4)).toString('hex') },
        });
      }
      const r = start(f);
      r.push(first);
      return r;
    };

    try {
      for await (const raw of input) {
        const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
        bytesRead += chunk.length;
        if (reader === undefined) {
          const joined = new Uint8Array(head.length + chunk.length);
          joined.set(head, 0);
          joined.set(chunk, head.length);
          head = joined;
          if (format === undefined && head.length < 4096 && head.length < (extra.totalBytes ?? Infinity)) continue;
          reader = begin(head);
        } else {
          reader.push(chunk);
        }
        this.#opts.onProgress?.(bytesRead, extra.totalBytes);
      }
      if (reader === undefined) {
        if (head.length === 0) throw new TrunklineError<CaptureErrorCode>('CAP_EMPTY_FILE', `${name} is empty`, { details: { offset: 0 } });
        reader = begin(head);
      }
      reader.end();
    } catch (err) {
      if (isTrunklineError(err)) error = err;
      else {
        error = new TrunklineError<CaptureErrorCode>('CAP_IO', `reading ${name} failed: ${err instanceof Error ? err.message : String(err)}`, {
          cause: err,
          details: { path: name, offset: reader?.offset ?? bytesRead },
        });
      }
    }
    dissector.finish();
    if (error !== undefined) {
      error = new TrunklineError(error.code, `${name}: ${error.message}`, { cause: error.cause, details: { ...error.details, path: name } });
      this.#errors.push(error);
    }
    if (internalErrors > 0) this.#unread('internal dissector error', internalErrors, internalDetail);
    for (const [reason, count] of dissector.unreadable) {
      this.#unread(reason, count, reason === 'unknown link type' ? `LINKTYPE ${[...dissector.unknownLinkTypes].join(', ')}` : undefined);
    }
    this.#packets += dissector.frames;
    this.#bytes += dissector.bytes;
    this.#tcp.segments += dissector.tcp.segments;
    this.#tcp.retransmitted += dissector.tcp.retransmitted;
    this.#tcp.outOfOrder += dissector.tcp.outOfOrder;
    this.#tcp.gaps += dissector.tcp.gaps;
    for (const g of dissector.tcpGaps) if (this.#tcpGaps.length < 1000) this.#tcpGaps.push({ file: fileIndex, ...g });
    this.#frag.fragments += dissector.reassembly.fragments;
    this.#frag.reassembled += dissector.reassembly.reassembled;
    this.#frag.incomplete += dissector.reassembly.incomplete;
    const linkTypes = pcapng ? [...pcapng.linkTypes] : pcap && pcap.linkType >= 0 ? [pcap.linkType] : [];
    const offset = error?.details['offset'];
    this.#files.push({
      name,
      format: format ?? 'unknown',
      bytesRead,
      packets: dissector.frames,
      sipMessages: corr.fileSip,
      rtpPackets: corr.fileRtp,
      linkTypes,
      ...(pcapng?.dropped === undefined ? {} : { droppedByCapture: pcapng.dropped }),
      ...(error === undefined ? {} : { error: { code: error.code, message: error.message, ...(typeof offset === 'number' ? { offset } : {}) } }),
    });
    return error;
  }

  /** The calls and the summary of everything read so far. */
  result(): CaptureResult {
    const c = this.#correlator;
    const unreadable: UnreadableCount[] = [];
    for (const [reason, u] of this.#unreadable) unreadable.push(u.detail === undefined ? { reason, count: u.count } : { reason, count: u.count, detail: u.detail });
    if (c.sipUnparseable > 0) unreadable.push({ reason: 'SIP start line but no readable message', count: c.sipUnparseable });
    if (c.sipWithoutCallId > 0) unreadable.push({ reason: 'SIP message without Call-ID (not in any call)', count: c.sipWithoutCallId });
    if (c.sipDamaged > 0) unreadable.push({ reason: 'SIP message damaged (kept as far as readable)', count: c.sipDamaged });
    const calls = c.calls();
    const unbound = c.unboundStreams();
    return {
      calls,
      summary: {
        packets: this.#packets,
        bytes: this.#bytes,
        sipMessages: c.sipMessages,
        rtpPackets: c.rtpPackets,
        rtcpPackets: c.rtcpPackets,
        calls: calls.length,
        ...(c.firstAt === undefined ? {} : { firstAt: c.firstAt }),
        ...(c.lastAt === undefined ? {} : { lastAt: c.lastAt }),
        unreadable,
        rtpWithoutSignaling: {
          streams: unbound.length,
          packets: unbound.reduce((n, u) => n + u.packets, 0),
          largest: unbound.slice(0, 20),
        },
        files: [...this.#files],
        tcp: { ...this.#tcp },
        tcpGaps: [...this.#tcpGaps],
        ipFragments: { ...this.#frag },
      },
      errors: [...this.#errors],
    };
  }
}
