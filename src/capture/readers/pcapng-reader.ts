// pcapng (draft-ietf-opsawg-pcapng): blocks of {type, total length, body, total length}.
// The Section Header Block's byte-order magic sets the byte order of its section; each
// Interface Description Block gives a link type and a timestamp resolution (if_tsresol).
import { TrunklineError } from '../../core/index.js';
import type { CaptureErrorCode } from '../errors.js';
import { ChunkBuffer } from './chunk-buffer.js';
import type { FrameReader, FrameSink } from './frame.js';

export const PCAPNG_SHB = 0x0a0d0d0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const IDB = 1;
const OPB = 2; // obsolete Packet Block (§ Appendix A)
const SPB = 3;
const ISB = 5;
const EPB = 6;
const MAX_BLOCK = 64 * 1024 * 1024;

interface Interface {
  readonly linkType: number;
  readonly snapLen: number;
  /** Seconds per timestamp unit. */
  readonly unit: number;
  /** if_tsoffset: seconds added to every timestamp. */
  readonly offsetSeconds: number;
}

export class PcapngReader implements FrameReader {
  readonly format = 'pcapng' as const;
  readonly #sink: FrameSink;
  readonly #in = new ChunkBuffer();
  #little: boolean | undefined;
  #ifaces: Interface[] = [];
  #lastAt = 0;
  /** Link types of every interface seen, for the summary. */
  readonly linkTypes = new Set<number>();
  readonly skippedBlocks = new Map<number, number>();
  /**
   * Interface Statistics Blocks (pcapng §4.6): per interface, the last counters seen (they are
   * cumulative): packets the interface dropped (isb_ifdrop) and the capture software or OS dropped
   * (isb_osdrop) — loss that happened in the capture, not on the wire.
   */
  readonly statistics = new Map<number, { ifDrop?: number; osDrop?: number; received?: number }>();

  constructor(sink: FrameSink) {
    this.#sink = sink;
  }

  get offset(): number {
    return this.#in.offset;
  }

  #fail(code: CaptureErrorCode, message: string, details: Record<string, unknown> = {}): never {
    throw new TrunklineError<CaptureErrorCode>(code, message, { details: { offset: this.#in.offset, ...details } });
  }

  push(chunk: Uint8Array): void {
    const inb = this.#in;
    inb.append(chunk);
    while (inb.ensure(12)) {
      let p = inb.position;
      let dv = inb.view;
      const typeBe = dv.getUint32(p, false);
      if (typeBe === PCAPNG_SHB) {
        // The SHB's byte-order magic decides the byte order of the whole section.
        const bom = dv.getUint32(p + 8, false);
        if (bom === BYTE_ORDER_MAGIC) this.#little = false;
        else if (bom === 0x4d3c2b1a) this.#little = true;
        else this.#fail('CAP_BAD_BLOCK', 'section header block with an unknown byte-order magic', { magic: bom.toString(16) });
      } else if (this.#little === undefined) {
        this.#fail('CAP_BAD_BLOCK', 'pcapng block before any section header block', { type: typeBe });
      }
      const little = this.#little === true;
      const type = dv.getUint32(p, little);
      const len = dv.getUint32(p + 4, little);
      if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK) {
        this.#fail('CAP_BAD_BLOCK', `pcapng block of type ${type} with impossible length ${len}`, { type, length: len });
      }
      if (!inb.ensure(len)) return;
      // A block across two chunks was just copied into a buffer of its own.
      const bytes = inb.bytes;
      p = inb.position;
      dv = inb.view;
      if (dv.getUint32(p + len - 4, little) !== len) {
        this.#fail('CAP_BAD_BLOCK', `pcapng block of type ${type}: trailing length differs from ${len}`, { type, length: len });
      }
      this.#block(type, dv, bytes, p, len, little);
      inb.consume(len);
    }
  }

  #block(type: number, dv: DataView, bytes: Uint8Array, p: number, len: number, little: boolean): void {
    const fileOffset = this.#in.offset;
    if (type === PCAPNG_SHB) {
      // A new section: interfaces are numbered afresh.
      this.#ifaces = [];
      return;
    }
    if (type === IDB) {
      const linkType = dv.getUint16(p + 8, little);
      const snapLen = dv.getUint32(p + 12, little);
      let unit = 1e-6;
      let offsetSeconds = 0;
      // Options: code u16, length u16, value padded to 32 bits; opt_endofopt = 0.
      let o = p + 16;
      const end = p + len - 4;
      while (o + 4 <= end) {
        const code = dv.getUint16(o, little);
        const olen = dv.getUint16(o + 2, little);
        if (code === 0) break;
        if (o + 4 + olen > end) break;
        if (code === 9 && olen >= 1) {
          // if_tsresol: MSB clear → 10^-n seconds, set → 2^-n.
          const r = bytes[o + 4];
          unit = r & 0x80 ? Math.pow(2, -(r & 0x7f)) : Math.pow(10, -r);
        } else if (code === 14 && olen >= 8) {
          offsetSeconds = Number(dv.getBigInt64(o + 4, little));
        }
        o += 4 + ((olen + 3) & ~3);
      }
      this.#ifaces.push({ linkType, snapLen, unit, offsetSeconds });
      this.linkTypes.add(linkType);
      return;
    }
    if (type === EPB || type === OPB) {
      const ifaceId = type === EPB ? dv.getUint32(p + 8, little) : dv.getUint16(p + 8, little);
      const iface = this.#ifaces[ifaceId];
      if (iface === undefined) {
        this.#fail('CAP_BAD_INTERFACE', `packet block names interface ${ifaceId}, which was never described`, {
          interfaceId: ifaceId,
        });
      }
      const hi = dv.getUint32(p + 12, little);
      const lo = dv.getUint32(p + 16, little);
      const capLen = dv.getUint32(p + 20, little);
      const origLen = dv.getUint32(p + 24, little);
      if (28 + capLen > len - 4) {
        this.#fail('CAP_BAD_BLOCK', `packet block claims ${capLen} captured bytes in a ${len}-byte block`, { length: capLen });
      }
      const at = this.#time(iface, hi, lo);
      this.#lastAt = at;
      this.#sink({
        at,
        linkType: iface.linkType,
        data: bytes.subarray(p + 28, p + 28 + capLen),
        originalLength: origLen,
        fileOffset,
        interfaceId: ifaceId,
      });
      return;
    }
    if (type === SPB) {
      // Simple Packet Block: interface 0, no timestamp (we keep the last one seen).
      const iface = this.#ifaces[0];
      if (iface === undefined) this.#fail('CAP_BAD_INTERFACE', 'simple packet block before any interface', { interfaceId: 0 });
      const origLen = dv.getUint32(p + 8, little);
      let capLen = Math.min(origLen, len - 16);
      if (iface.snapLen > 0) capLen = Math.min(capLen, iface.snapLen);
      this.#sink({
        at: this.#lastAt,
        linkType: iface.linkType,
        data: bytes.subarray(p + 12, p + 12 + capLen),
        originalLength: origLen,
        fileOffset,
        interfaceId: 0,
      });
      return;
    }
    if (type === ISB && len >= 28) {
      const ifaceId = dv.getUint32(p + 8, little);
      const stats: { ifDrop?: number; osDrop?: number; received?: number } = {};
      let o = p + 20; // after interface id and the 64-bit timestamp
      const end = p + len - 4;
      while (o + 4 <= end) {
        const code = dv.getUint16(o, little);
        const olen = dv.getUint16(o + 2, little);
        if (code === 0 || o + 4 + olen > end) break;
        if (olen >= 8) {
          const v = Number(dv.getBigUint64(o + 4, little));
          if (code === 4) stats.received = v; // isb_ifrecv
          else if (code === 5) stats.ifDrop = v; // isb_ifdrop
          else if (code === 7) stats.osDrop = v; // isb_osdrop
        }
        o += 4 + ((olen + 3) & ~3);
      }
      this.statistics.set(ifaceId, stats);
      return;
    }
    // Name resolution, custom, decryption secrets, …: not packets; skipped and counted.
    this.skippedBlocks.set(type, (this.skippedBlocks.get(type) ?? 0) + 1);
  }

  #time(iface: Interface, hi: number, lo: number): number {
    const units = hi * 4294967296 + lo;
    if (iface.unit === 1e-6) return units / 1000 + iface.offsetSeconds * 1000;
    if (iface.unit === 1e-9) return units / 1e6 + iface.offsetSeconds * 1000;
    return units * iface.unit * 1000 + iface.offsetSeconds * 1000;
  }

  /** Packets the capture itself lost (interface + OS drops over every interface), or undefined without statistics. */
  get dropped(): number | undefined {
    if (this.statistics.size === 0) return undefined;
    let n = 0;
    for (const s of this.statistics.values()) n += (s.ifDrop ?? 0) + (s.osDrop ?? 0);
    return n;
  }

  end(): void {
    if (this.#little === undefined && this.#in.available < 12) {
      this.#fail('CAP_TRUNCATED_HEADER', 'the file ends inside the first pcapng block');
    }
    if (this.#in.available > 0) {
      this.#fail('CAP_TRUNCATED_RECORD', `the file ends inside the pcapng block at byte ${this.#in.offset}`, {
        remaining: this.#in.available,
      });
    }
  }
}
