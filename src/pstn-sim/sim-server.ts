import type { Clock, Logger } from '../core/index.js';
import { startSipEndpoint, type ServerTransaction, type SipEndpoint, type SipResponse, type TimerSettings } from '../sip/index.js';
import { PstnSimulator, type SimSipPort } from './simulator.js';

/**
 * The simulator on a SIP endpoint of its own (sip/endpoint, UDP+TCP on one port): the same
 * stack as the edge's — transactions, UAS core, dialog layer — with the simulator as its
 * transaction user. Requests for a `…0408` number are dropped before the transaction layer,
 * which would otherwise send 100 Trying: that number must look like a dead carrier.
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
  const endpoint = await startSipEndpoint({
    host: o.host, port: o.port ?? 0, tls: null, clock: o.clock, logger: o.log, agent: 'trunkline-pstn-sim',
    ignoreInvite: (req) => PstnSimulator.silent(req), ...(o.timers ? { timers: o.timers } : {}),
  });
  const port = endpoint.ports.sip;
  const simulator = new PstnSimulator({ clock: o.clock, log: o.log, host: o.host, port, ...(o.testCallHoldMs ? { testCallHoldMs: o.testCallHoldMs } : {}) });
  endpoint.setHandler({
    // RFC 3261 §11: the simulator answers OPTIONS itself (200 in a dialog or out of one).
    methods: ['INVITE', 'ACK', 'CANCEL', 'BYE', 'UPDATE', 'INFO', 'OPTIONS'],
    supported: ['timer'],
    handleRequest: (tx) =>
      simulator.onRequest({
        request: tx.request,
        respond: (res) => respond(endpoint, tx, res),
        onCancel: (handler) => void tx.setHandlers({ onCancel: () => handler() }),
      }),
    // RFC 3261 §13.3.1.4: the caller's ACK stops the retransmissions of the simulator's 2xx.
    handleAck: (ack) => void endpoint.dialogs.receiveAck(ack),
  });
  simulator.attach(simPort(endpoint));
  return {
    simulator,
    host: o.host,
    port,
    stop: async () => {
      endpoint.setHandler(undefined);
      simulator.close();
      await endpoint.stop();
    },
  };
}

/** Answers through the dialog layer when the response makes or confirms a dialog (INVITE 1xx with tag, 2xx). */
function respond(endpoint: SipEndpoint, tx: ServerTransaction, res: SipResponse) {
  if (tx.state === 'terminated') return undefined;
  try {
    if (tx.method === 'INVITE' && res.status > 100) return endpoint.dialogs.answerInvite(tx, res);
    tx.respond(res);
  } catch {
    // A final response already went out (CANCEL raced the answer).
  }
  return undefined;
}

function simPort(endpoint: SipEndpoint): SimSipPort {
  return {
    sendRequest: (req, hop, ev) => {
      try {
        endpoint.layer.sendRequest(req, { protocol: hop.protocol, address: hop.address, port: hop.port }, {
          onProvisional: (r) => ev.onResponse(r),
          onFinal: (r) => ev.onResponse(r),
          onTimeout: () => ev.onTimeout(),
          onTransportError: (e) => ev.onTransportError(e.message),
        });
      } catch (err) {
        ev.onTransportError(String(err));
      }
    },
    inviteResponse: (invite, res, hop) => endpoint.dialogs.receiveInviteResponse(invite, res, { protocol: hop.protocol, address: hop.address, port: hop.port }),
    dialogFor: (request) => endpoint.dialogs.forRequest(request),
    forget: (dialog) => endpoint.dialogs.remove(dialog),
  };
}
