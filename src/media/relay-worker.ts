// A worker thread that owns a slice of the RTP port range and runs its own MediaRelay on it.
import { parentPort, workerData } from 'node:worker_threads';
import { MediaRelay } from './media-relay.js';
import type { MediaSession } from './media-session.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol.js';

const init = workerData as WorkerInit;
const relay = new MediaRelay(init.relay);
const sessions = new Map<string, MediaSession>();
const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);

function fail(req: number, err: unknown): void {
  const e = err as { code?: string; message?: string };
  post({ op: 'reply', req, error: { ...(e.code ? { code: e.code } : {}), message: e.message ?? String(err) } });
}

port.on('message', (m: ToWorker) => {
  switch (m.op) {
    case 'create':
      relay.createSession(m.callSid, m.options).then((s) => {
        sessions.set(m.callSid, s);
        for (const name of ['latch', 'flow', 'drop', 'timeout'] as const) {
          s.on(name, (data: unknown) => post({ op: 'event', callSid: m.callSid, name, data }));
        }
        post({ op: 'reply', req: m.req, result: { legA: s.legA, legB: s.legB, stats: s.stats() } });
      }, (err) => fail(m.req, err));
      return;
    case 'call': {
      const s = sessions.get(m.callSid);
      try {
        // Validated on the main thread already; a closed session ignores late calls.
        if (s && !s.closed) (s[m.method] as (...a: unknown[]) => void)(...m.args);
      } catch (err) {
        post({ op: 'event', callSid: m.callSid, name: 'error', data: { message: (err as Error).message } });
      }
      return;
    }
    case 'stats': {
      const s = sessions.get(m.callSid);
      post({ op: 'reply', req: m.req, result: s?.stats() });
      return;
    }
    case 'stopRecording':
      (sessions.get(m.callSid)?.stopRecording() ?? Promise.resolve()).then(() => post({ op: 'reply', req: m.req }), (err) => fail(m.req, err));
      return;
    case 'close': {
      const s = sessions.get(m.callSid);
      if (!s) return post({ op: 'reply', req: m.req });
      s.close(m.reason).then(() => {
        sessions.delete(m.callSid);
        post({ op: 'reply', req: m.req, result: s.stats() });
      }, (err) => fail(m.req, err));
      return;
    }
    case 'counters':
      post({ op: 'reply', req: m.req, result: relay.counters() });
      return;
    case 'shutdown':
      relay.close().then(() => post({ op: 'reply', req: m.req }), (err) => fail(m.req, err));
      return;
  }
});
