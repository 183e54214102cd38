// A raw HEP file: HEP3 packets back to back, each carrying its own length. (HEP1/2 carry no
// length, so a file of them cannot be split; they are read when they arrive in UDP datagrams.)
import { TrunklineError } from '../../core/index.js';
import type { CaptureErrorCode } from '../errors.js';
import { ChunkBuffer } from './chunk-buffer.js';

export type HepRecordSink = (record: Uint8Array, fileOffset: number) => void;

export class HepFileReader {
  readonly format = 'hep' as const;
  readonly #in = new ChunkBuffer();
  readonly #sink: HepRecordSink;

  constructor(sink: HepRecordSink) {
    this.#sink = sink;
  }

  get offset(): number {
    return this.#in.offset;
  }

  push(chunk: Uint8Array): void {
    const inb = this.#in;
    inb.append(chunk);
    while (inb.ensure(6)) {
      let b = inb.bytes;
      let p = inb.position;
      if (b[p] !== 0x48 || b[p + 1] !== 0x45 || b[p + 2] !== 0x50 || b[p + 3] !== 0x33) {
        throw new TrunklineError<CaptureErrorCode>('CAP_BAD_HEP', `no HEP3 packet at byte ${inb.offset}`, {
          details: { offset: inb.offset },
        });
      }
      const len = (b[p + 4] << 8) | b[p + 5];
      if (len < 6) {
        throw new TrunklineError<CaptureErrorCode>('CAP_BAD_HEP', `HEP3 packet at byte ${inb.offset} has length ${len}`, {
          details: { offset: inb.offset, length: len },
        });
      }
      if (!inb.ensure(len)) return;
      b = inb.bytes;
      p = inb.position;
      this.#sink(b.subarray(p, p + len), inb.offset);
      inb.consume(len);
    }
  }

  end(): void {
    if (this.#in.available > 0) {
      throw new TrunklineError<CaptureErrorCode>('CAP_TRUNCATED_RECORD', `the file ends inside the HEP packet at byte ${this.#in.offset}`, {
        details: { offset: this.#in.offset, remaining: this.#in.available },
      });
    }
  }
}
