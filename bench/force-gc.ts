/**
 * Preloaded into serve's node by `bench/edge-cps --gc-at S[,S…]` (with --expose-gc): a full GC on
 * serve's main thread S seconds after it started — the ninth session's way to see what a
 * mark-compact changes (from one on, serve promoted every call until the edge's tables were
 * ChurnMaps), at a time of one's choosing rather than V8's. The seconds are those of serve's
 * --trace-gc-nvp lines.
 */
import { isMainThread } from 'node:worker_threads';

const gc = (globalThis as { gc?: () => void }).gc;
const seconds = (process.env.TRUNKLINE_BENCH_GC_AT ?? '').split(',').filter(Boolean).map(Number);
if (isMainThread && gc) {
  for (const s of seconds) if (Number.isFinite(s)) setTimeout(gc, s * 1000).unref();
}
