import { Readable } from 'node:stream';
import { analyzeCaptureStream, type CaptureOptions, type CaptureResult } from '../../../src/capture/index.js';

/** Feeds the bytes in small chunks, so records straddle chunk boundaries as they do in real reads. */
export function analyzeBytes(bytes: Buffer, options: CaptureOptions = {}, chunk = 13): Promise<CaptureResult> {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  return analyzeCaptureStream(Readable.from(parts), options);
}
