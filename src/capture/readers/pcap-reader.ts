// The classic libpcap format (pcap-savefile(5), draft-ietf-opsawg-pcap): a 24-byte global
// header whose magic gives byte order and timestamp resolution, then 16-byte record headers.
import { TrunklineError } from '../../core/index.js';
import type { CaptureErrorCode } from '../errors.js';
import { ChunkBuffer } from './chunk-buffer.js';
import type { FrameReader, FrameSink } from './frame.js';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
// Larger than any real snap length (262144) with margin; a bigger record means corruption.
const MAX_RECORD = 16 * 1024 * 1024;

export class PcapReader implements FrameReader {
  readonly format = 'pcap' as const;
  readonly #sink: FrameSink;
  readonly #in = new ChunkBuffer();
  #little = true;
  #nanos = false;
  #linkType = -1;

  constructor(sink: FrameSink) {
    this.#sink = sink;
  }

  get offset(): number {
    return this.#in.offset;
  }
  get linkType(): number {
    return this.#linkType;
  }

  push(chunk: Uint8Array): void {
    this.#in.append(chunk);
    const inb = this.#in;
    if (this.#linkType < 0) {
      if (!inb.ensure(24)) return;
      const dv = inb.view;
      const p = inb.position;
      const be = dv.getUint32(p, false);
      const le = dv.getUint32(p, true);
      if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS) this.#little = false;
      else if (le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) this.#little = true;
      else {
        throw new TrunklineError<CaptureErrorCode>('CAP_UNKNOWN_FORMAT', 'not a pcap file: bad magic number', {
          details: { offset: 0, magic: be.toString(16) },
        });
      }
      this.#nanos = (this.#little ? le : be) === PCAP_MAGIC_NS;
      // The link-type field's low 16 bits are the LINKTYPE; upper bits may carry FCS info.
      this.#linkType = dv.getUint32(p + 20, this.#little) & 0xffff;
      inb.consume(24);
    }
    while (inb.ensure(16)) {
      const dv = inb.view;
      let p = inb.position;
      const sec = dv.getUint32(p, this.#little);
      const frac = dv.getUint32(p + 4, this.#little);
      const incl = dv.getUint32(p + 8, this.#little);
      const orig = dv.getUint32(p + 12, this.#little);
      if (incl > MAX_RECORD) {
        throw new TrunklineError<CaptureErrorCode>('CAP_BAD_RECORD', `pcap record at byte ${inb.offset} claims ${incl} bytes`, {
          details: { offset: inb.offset, length: incl },
        });
      }
      if (!inb.ensure(16 + incl)) return;
      // A record across two chunks was just copied into a buffer of its own.
      const bytes = inb.bytes;
      p = inb.position;
      const at = sec * 1000 + (this.#nanos ? frac / 1e6 : frac / 1e3);
      const fileOffset = inb.offset;
      this.#sink({
        at,
        linkType: this.#linkType,
        data: bytes.subarray(p + 16, p + 16 + incl),
        originalLength: orig,
        fileOffset,
        interfaceId: 0,
      });
      inb.consume(16 + incl);
    }
  }

  end(): void {
    if (this.#linkType < 0) {
      throw new TrunklineError<CaptureErrorCode>('CAP_TRUNCATED_HEADER', 'the file ends inside the pcap global header', {
        details: { offset: this.#in.offset, needed: 24 - this.#in.available },
      });
    }
    if (this.#in.available > 0) {
      throw new TrunklineError<CaptureErrorCode>(
        'CAP_TRUNCATED_RECORD',
        `the file ends inside the packet record at byte ${this.#in.offset}`,
        { details: { offset: this.#in.offset, remaining: this.#in.available } },
      );
    }
  }
}
