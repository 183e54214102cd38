import type { Clock, Logger } from '../core/index.js';
import {
  parseMessage, StreamTransport, TransactionLayer, TransportSet, UdpTransport,
  type InboundMessage, type SipRequest, type TimerSettings, type Transport, type TransactionUser,
} from '../sip/index.js';
import { PstnSimulator, type SimHop, type SimSipPort } from './simulator.js';

/**
 * The simulator on its own SIP listener (UDP+TCP, one port): a transaction layer whose TU is
 * the simulator. Requests for a `…0408` number are dropped before the transaction layer, which
 * would otherwise send 100 Trying: that number must look like a dead carrier.
 */
export interface PstnSimServer {
  readonly simulator: PstnSimulator;
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface PstnSimServerOptions {
  readonly host: string;
  readonly port?: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timers?: TimerSettings;
  readonly testCallHoldMs?: number;
}

export async function startPstnSim(o: PstnSimServerOptions): Promise<PstnSimServer> {
  const transports = new TransportSet();
  const holder: { layer?: TransactionLayer } = {};
  const onMessage = (m: InboundMessage) => {
    const layer = holder.layer;
    if (!layer) return;
    if (!m.fault && startsInvite(m.bytes)) {
      try {
        const msg = parseMessage(m.bytes);
        if (msg.kind === 'request' && PstnSimulator.silent(msg)) return;
      } catch {
        // Let the transaction layer answer what does not parse.
      }
    }
    layer.receive(m);
  };
  const handlers = { onMessage };
  const opened: Transport[] = [];
  const udp = await UdpTransport.listen({ host: o.host, port: o.port ?? 0, handlers });
  opened.push(udp);
  try {
    opened.push(await StreamTransport.listen({ host: o.host, port: udp.local.port, handlers }));
  } catch (err) {
    await udp.close();
    throw err;
  }
  for (const t of opened) transports.add(t);
  const simulator = new PstnSimulator({ clock: o.clock, log: o.log, host: o.host, port: udp.local.port, ...(o.testCallHoldMs ? { testCallHoldMs: o.testCallHoldMs } : {}) });
  const tu: TransactionUser = {
    onRequest: (tx) =>
      simulator.onRequest({
        request: tx.request,
        respond: (res) => {
          try {
            if (tx.state !== 'terminated') tx.respond(res);
          } catch {
            // A final response already went out (CANCEL raced the answer).
          }
        },
        onCancel: (handler) => void tx.setHandlers({ onCancel: () => handler() }),
      }),
    onAck: () => {},
    onError: (err, where) => o.log.warn({ err: (err as Error)?.message ?? String(err), where }, 'PSTN simulator handler failed'),
  };
  const l = new TransactionLayer({ transports, tu, clock: o.clock, agent: 'trunkline-pstn-sim', ...(o.timers ? { timers: o.timers } : {}) });
  holder.layer = l;
  const port: SimSipPort = {
    sendRequest: (req: SipRequest, hop: SimHop, ev) => {
      try {
        l.sendRequest(req, { protocol: hop.protocol, address: hop.address, port: hop.port }, {
          onProvisional: (r) => ev.onResponse(r),
          onFinal: (r) => ev.onResponse(r),
          onTimeout: () => ev.onTimeout(),
          onTransportError: (e) => ev.onTransportError(e.message),
        });
      } catch (err) {
        ev.onTransportError(String(err));
      }
    },
    sendStateless: (msg, hop) => void l.sendStateless(msg, { protocol: hop.protocol, address: hop.address, port: hop.port }).catch(() => undefined),
  };
  simulator.attach(port);
  return {
    simulator,
    host: o.host,
    port: udp.local.port,
    stop: async () => {
      simulator.close();
      await Promise.all(opened.map((t) => t.close().catch(() => undefined)));
    },
  };
}

function startsInvite(bytes: Buffer): boolean {
  return bytes.length > 7 && bytes.toString('latin1', 0, 7) === 'INVITE ';
}
