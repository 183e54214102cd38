/**
 * bench/tx-linger-heap: heap kept per lingering SIP transaction (issue 13). A memory figure, not
 * a load run: one process, two SIP endpoints on 127.0.0.1 (UDP), 2–3 s.
 *
 *   npm run build && node --expose-gc dist/bench/tx-linger-heap.js [--calls N]
 *
 * Caller and callee are real endpoints (transaction layer, dialog layer, UAS core) over real UDP
 * sockets, their long timers in 100 ms slots as serve's are (timerGranularityMs). Each call is
 * INVITE → 200 (with SDP) → ACK → BYE → 200, every fourth INVITE refused 486 instead (ACKed by
 * the client transaction, RFC 3261 §17.1.1.3); the TU then lets go of everything (dialogs
 * removed, client transactions detached), as the edge does at a call's end. What is left are the
 * transactions lingering by RFC 3261 / RFC 6026 (Timers D, J, L, M 32 s; I and K are T4 = 5 s,
 * so the calls are all placed well within that). The figure is the heap (after a full GC) that N
 * such calls add, divided by the transactions they leave lingering; with it the parsed messages
 * still reachable (requests by their class, every message by its SipHeaders) and the off-heap
 * Buffer bytes. No peer runs beside it: the reference is what a lingering transaction must keep
 * (its last wire bytes, keys, destination, timers), and the count of parsed messages, which is 0.
 */
import v8 from 'node:v8';
import { silentLogger, systemClock } from '../src/core/index.js';
import { createRequest, createResponse, SipHeaders, startSipEndpoint, type ClientTransaction, type SipRequest } from '../src/sip/index.js';

const args = process.argv.slice(2);
const at = args.indexOf('--calls');
const CALLS = at >= 0 ? Number(args[at + 1]) : 2000;
const WARMUP = 300;
const WINDOW = 50;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run with node --expose-gc');
  process.exit(2);
}

const SDP = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 8 101', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=ptime:20', 'a=sendrecv', ''].join('\r\n');

const options = { host: '127.0.0.1', port: 0, tls: null, clock: systemClock, logger: silentLogger, timerGranularityMs: 100 };
const callee = await startSipEndpoint(options);
const caller = await startSipEndpoint(options);
const to = { protocol: 'udp' as const, address: '127.0.0.1', port: callee.ports.sip };

let n = 0;
callee.setHandler({
  methods: ['INVITE', 'ACK', 'BYE'],
  handleRequest: (tx) => {
    const req = tx.request;
    if (req.method === 'BYE') {
      tx.respond(createResponse(req, 200, 'OK'));
      const d = callee.dialogs.forRequest(req);
      if (d) callee.dialogs.remove(d);
      return;
    }
    const tag = `uas${++n}`;
    if (n % 4 === 0) return void tx.respond(createResponse(req, 486, 'Busy Here', { toTag: tag }));
    callee.dialogs.answerInvite(tx, createResponse(req, 200, 'OK', { toTag: tag, headers: [['Contact', `<sip:callee@127.0.0.1:${callee.ports.sip}>`], ['Content-Type', 'application/sdp']], body: SDP }));
  },
  handleAck: (ack) => void callee.dialogs.receiveAck(ack),
});
caller.setHandler({ methods: ['BYE'], handleRequest: (tx) => tx.respond(createResponse(tx.request, 200, 'OK')) });

function invite(i: number): SipRequest {
  const h = new SipHeaders([
    ['Max-Forwards', '70'],
    ['From', `"Caller ${i}" <sip:+9180${String(i).padStart(8, '0')}@127.0.0.1>;tag=uac${i}`],
    ['To', `<sip:+919876540000@127.0.0.1:${callee.ports.sip}>`],
    ['Call-ID', `linger-${i}-${process.pid}@127.0.0.1`],
    ['CSeq', '1 INVITE'],
    ['Contact', `<sip:caller@127.0.0.1:${caller.ports.sip}>`],
    ['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS'],
    ['Supported', 'timer'],
    ['User-Agent', 'tx-linger-heap'],
    ['Content-Type', 'application/sdp'],
  ]);
  return createRequest({ method: 'INVITE', uri: `sip:+919876540000@127.0.0.1:${callee.ports.sip}`, headers: h, body: SDP });
}

/** One call to its end; resolves once the TU holds nothing of it. */
function call(i: number): Promise<void> {
  const ep = caller;
  return new Promise((done) => {
    const req = invite(i);
    const tx: ClientTransaction = ep.layer.sendRequest(req, to, {
      onFinal: (res) => {
        if (res.status >= 300) return done();
        const dialog = ep.dialogs.receiveInviteResponse(req, res, to);
        if (!dialog) return done();
        ep.layer.sendRequest(dialog.createRequest('BYE'), to, {
          onFinal: () => {
            ep.dialogs.remove(dialog);
            tx.detach();
            done();
          },
        });
      },
      onTimeout: () => done(),
    });
  });
}

async function run(count: number, from: number): Promise<void> {
  let next = from;
  const end = from + count;
  const worker = async () => {
    while (next < end) await call(next++);
  };
  await Promise.all(Array.from({ length: WINDOW }, worker));
  // The callee's last BYE 200 and ACKs are still in flight for a moment.
  await new Promise((r) => setTimeout(r, 100));
}

type Counted = Record<'requests' | 'messages', number>;
// Requests are instances of one (unexported) class; responses are plain objects, so every message
// is counted by its SipHeaders instead.
const Req = Object.getPrototypeOf(createRequest({ method: 'OPTIONS', uri: 'sip:x@127.0.0.1' })).constructor as new () => unknown;

function measure(): { heap: number; external: number; lingering: number; counted: Counted } {
  gc!();
  gc!();
  const heap = v8.getHeapStatistics().used_heap_size;
  const external = process.memoryUsage().arrayBuffers;
  const c = caller.layer.transactionCount;
  const s = callee.layer.transactionCount;
  const counted: Counted = {
    requests: v8.queryObjects(Req, { format: 'count' }) as number,
    messages: v8.queryObjects(SipHeaders, { format: 'count' }) as number,
  };
  return { heap, external, lingering: c.clients + c.servers + s.clients + s.servers, counted };
}

await run(WARMUP, 0);
const before = measure();
const t0 = Date.now();
await run(CALLS, WARMUP);
const elapsed = Date.now() - t0;
const after = measure();
const txs = after.lingering - before.lingering;
console.log(`${CALLS} calls (after ${WARMUP} warm-up) in ${elapsed} ms; lingering transactions ${before.lingering} → ${after.lingering} (+${txs})`);
if (txs !== CALLS * 3.5) console.log(`warning: expected ${CALLS * 3.5} (4 per answered call, 2 per refused one): some Timer I/K transactions (T4 = 5 s) ended during the run`);
console.log(`heap: +${after.heap - before.heap} B = ${Math.round((after.heap - before.heap) / txs)} B per lingering transaction, ${Math.round((after.heap - before.heap) / CALLS)} B per call`);
console.log(`off-heap Buffers: +${after.external - before.external} B = ${Math.round((after.external - before.external) / txs)} B per lingering transaction`);
console.log(`reachable after GC: SipRequest ${before.counted.requests} → ${after.counted.requests}, parsed or built messages (SipHeaders) ${before.counted.messages} → ${after.counted.messages}`);
await caller.stop();
await callee.stop();
process.exit(0);
