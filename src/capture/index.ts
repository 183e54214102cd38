// capture: pcap / pcapng / HEP / SIP text logs → frames → dissectors → calls with their SIP events and RTP streams.
import type { Readable } from 'node:stream';
import { CaptureSession, type CaptureOptions } from './session.js';
import type { CaptureResult } from './types.js';

export { CaptureErrorCodes, type CaptureErrorCode } from './errors.js';
export { encodeHep3, type HepOut } from './hep-encode.js';
export { sipEventOf, sipEventOfMessage, type SipEventMeta, type SipEventOf } from './sip-event.js';
export { CaptureSession, detectFormat, type CaptureOptions, type CaptureFormat } from './session.js';
export type {
  CaptureCall,
  CaptureRtpStream,
  CaptureSipEvent,
  TcpGap,
  CaptureResult,
  CaptureSummary,
  CaptureFileSummary,
  UnreadableCount,
  UnboundRtpStream,
} from './types.js';

/**
 * Reads one capture file (format sniffed). Never rejects for bad content: a corrupt or
 * truncated file gives `errors[0]` (CAP_*, details.offset) beside everything read before it.
 */
export async function analyzeCaptureFile(path: string, options: CaptureOptions = {}): Promise<CaptureResult> {
  const s = new CaptureSession(options);
  await s.readFile(path);
  return s.result();
}

/** Reads several files into one set of calls (a call split across files is one call). */
export async function analyzeCaptureFiles(paths: readonly string[], options: CaptureOptions = {}): Promise<CaptureResult> {
  const s = new CaptureSession(options);
  for (const p of paths) await s.readFile(p);
  return s.result();
}

/** Reads a byte stream (an upload, stdin) the same way. */
export async function analyzeCaptureStream(
  input: Readable | AsyncIterable<Uint8Array>,
  options: CaptureOptions & { readonly name?: string } = {},
): Promise<CaptureResult> {
  const s = new CaptureSession(options);
  await s.readStream(input as AsyncIterable<Uint8Array>, options.name ?? 'stream');
  return s.result();
}
