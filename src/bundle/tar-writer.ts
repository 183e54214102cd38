import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { TrunklineError } from '../core/index.js';
import type { BundleErrorCode } from './errors.js';

/**
 * A POSIX ustar archive (IEEE Std 1003.1-1988 / POSIX.1-2001 "ustar" interchange format),
 * gzip-compressed (RFC 1952) with node:zlib: `tar xzf` opens it on every system, no dependency.
 * Only what a bundle needs: regular files and directories, names up to 255 bytes.
 */
export interface TarEntry {
  /** Path inside the archive, `/`-separated; a trailing `/` makes a directory. */
  readonly name: string;
  readonly data?: Buffer;
  /** Modification time, wall-clock ms. */
  readonly mtime: number;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  // ustar numeric fields: zero-padded octal digits followed by NUL.
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** POSIX: a name over 100 bytes is split at a `/` into prefix (≤ 155) and name (≤ 100). */
function splitName(name: string): { prefix: string; name: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', name };
  for (let i = name.lastIndexOf('/'); i > 0; i = name.lastIndexOf('/', i - 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return { prefix, name: rest };
  }
  throw new TrunklineError<BundleErrorCode>('BUNDLE_NAME_TOO_LONG', `archive path ${name} does not fit a ustar header`, { details: { name } });
}

function header(entry: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const dir = entry.name.endsWith('/');
  const { prefix, name } = splitName(entry.name);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(dir ? 0o755 : 0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(Math.floor(entry.mtime / 1000), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum computed with its own field as spaces
  h.write(dir ? '5' : '0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('trunkline', 265, 32, 'ascii');
  h.write('trunkline', 297, 32, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return h;
}

/** The archive, uncompressed: each entry's header and data padded to 512, then two zero blocks. */
export function tarArchive(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.name.endsWith('/') ? Buffer.alloc(0) : (e.data ?? Buffer.alloc(0));
    parts.push(header(e, data.length), data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

const gzipAsync = promisify(gzip);

/** gzip runs on libuv's thread pool: a bundle with an hour-long recording must not stall the API's event loop. */
export function tarGz(entries: readonly TarEntry[]): Promise<Buffer> {
  return gzipAsync(tarArchive(entries));
}
