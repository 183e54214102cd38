import type { Clock, Logger } from '../../core/index.js';
import { coarseClock, isTrunklineError } from '../../core/index.js';
import { DialogLayer } from '../dialog/dialog-layer.js';
import type { SipRequest } from '../message/message.js';
import { startQueueProbe, type QueueProbe } from './queue-probe.js';
import { parseMessage } from '../parser/parse-message.js';
import { RFC3261_TIMERS, type TimerSettings } from '../transaction/timers.js';
import { TransactionLayer, type StatelessAnswerPort } from '../transaction/transaction-layer.js';
import { sendToNextHop, type UriSendHandlers } from '../transaction/uri-sender.js';
import { SipResolver, type DnsPort } from '../transport/resolver.js';
import type { SourceAddresses } from '../transport/source-address.js';
import { StreamTransport } from '../transport/stream-transport.js';
import { TransportSet } from '../transport/transport-set.js';
import type { InboundMessage, SipMessageEvent, Transport, TransportEvent, TransportHandlers, TransportLimits } from '../transport/transport.js';
import { UdpTransport } from '../transport/udp-transport.js';
import { UasCore, type SipRequestHandler } from '../uas/uas-core.js';

/**
 * The SIP stack assembled once: UDP+TCP listeners (and TLS when a certificate is given) on
 * IPv4 and IPv6, one transaction layer, the UAS core that answers OPTIONS and the stateless
 * rejections of RFC 3261 §8.2, the dialog layer (RFC 3261 §12–13: 2xx retransmission and ACK),
 * the RFC 3263 resolver and the URI sender. Its transaction-user port is setHandler(): the edge's
 * B2BUA and the PSTN simulator each plug into an endpoint of their own.
 */
export interface SipEndpointOptions {
  readonly host: string;
  /** 0 picks a free port (the same for UDP and TCP, and for IPv4 and IPv6). */
  readonly port: number;
  readonly tls: { readonly port: number; readonly key: string | Buffer; readonly cert: string | Buffer } | null;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timers?: TimerSettings;
  readonly limits?: Partial<TransportLimits>;
  /** Host for Via headers when listening on a wildcard address (--public-address). */
  readonly advertisedHost?: string;
  /** Where the local address towards each peer is learnt (shared with the edge and the relay's SDP). */
  readonly sources?: SourceAddresses;
  /** Option tags of the UAS core beyond the handler's. */
  readonly supported?: readonly string[];
  /** Server header and warn-agent (default "trunkline"). */
  readonly agent?: string;
  /** DNS for RFC 3263 (default: the machine's; tests point it at their own server). */
  readonly dns?: DnsPort;
  /**
   * A new INVITE this returns true for is dropped before the transaction layer, which would
   * otherwise send 100 Trying (the simulator's dead-carrier numbers).
   */
  readonly ignoreInvite?: (request: SipRequest) => boolean;
  /**
   * When set, the transaction and dialog layers' timers longer than T2 (B, D, F, H, J, K, L, M
   * and the dialog's 2xx timeout) share one base timer per this many ms and fire up to that
   * late, never early; retransmission intervals stay exact. serve sets it (issue 13).
   */
  readonly timerGranularityMs?: number;
}

export interface SipEndpoint {
  /** The UDP+TCP port and the TLS port actually bound. */
  readonly ports: { readonly sip: number; readonly tls: number | null };
  readonly layer: TransactionLayer;
  readonly transports: TransportSet;
  readonly uas: UasCore;
  readonly dialogs: DialogLayer;
  readonly resolver: SipResolver;
  /** RFC 3261 §8.1.2 with RFC 3263: a request to its next hop (first Route, else Request-URI), failing over across targets. */
  sendToUri(request: SipRequest, handlers: UriSendHandlers): Promise<void>;
  /** The transaction-user port: what handles requests (INVITE, BYE, …), ACKs of 2xx and stray responses. */
  setHandler(handler: SipRequestHandler | undefined): void;
  /** Plug in (or remove) what decorates and records the stack's own refusals (the edge). */
  setStatelessAnswers(port: StatelessAnswerPort | undefined): void;
  /**
   * What sees every message this endpoint's transports receive and send, as bytes on the wire:
   * the transaction layer's retransmissions, the UAS core's own answers (OPTIONS, stateless
   * refusals) and what never reaches a transaction user included (serve --hep). Called
   * synchronously on the transport's path: it must be quick, and what it throws is logged.
   */
  setTap(tap: ((event: SipMessageEvent) => void) | undefined): void;
  /**
   * Starts (once) measuring how long datagrams wait in the UDP listeners' receive queues
   * (queue-probe.ts), a probe every `intervalMs`; stopped with the endpoint.
   */
  probeQueues(intervalMs: number): QueueProbe;
  stop(): Promise<void>;
}

/** A wildcard host listens on both families; IPv6 is skipped with a warning where the host has none. */
function hostsFor(host: string): { hosts: string[]; optional: Set<string> } {
  if (host === '0.0.0.0' || host === '::') return { hosts: ['0.0.0.0', '::'], optional: new Set(['::']) };
  return { hosts: [host.replace(/^\[|\]$/g, '')], optional: new Set() };
}

export async function startSipEndpoint(options: SipEndpointOptions): Promise<SipEndpoint> {
  const log = options.logger.child({ part: 'sip' });
  // One forwarding port for both the transaction layer and the UAS core; the edge plugs in later.
  let answers: StatelessAnswerPort | undefined;
  const statelessAnswers: StatelessAnswerPort = { decorate: (req, res, source, bytes) => answers?.decorate(req, res, source, bytes) };
  const transports = new TransportSet([], { ...(options.advertisedHost ? { advertisedHost: options.advertisedHost } : {}), ...(options.sources ? { sources: options.sources } : {}) });
  const uas = new UasCore(
    { supported: options.supported ?? [], accept: ['application/sdp'], server: options.agent ?? 'trunkline', isLocal: (h, p) => transports.isLocal(h, p) },
    {
      answered: (req, status, why) => log.debug({ method: req.method, status, why }, `answered ${req.method} with ${status}: ${why}`),
      dropped: (why, source) => log.info({ protocol: source.protocol, remote: `${source.remote.address}:${source.remote.port}`, why }, `SIP message dropped: ${why}`),
      error: (err, where) => log.error({ where, err: (err as Error)?.message ?? String(err) }, 'SIP request handler failed'),
      statelessAnswers,
    },
  );
  const g = options.timerGranularityMs;
  const clock = g ? coarseClock(options.clock, { granularityMs: g, fromMs: Math.max((options.timers ?? RFC3261_TIMERS).T2 + 1, g) }) : options.clock;
  const layer = new TransactionLayer({ transports, tu: uas, clock, statelessAnswers, ...(g ? { waitTimerGranularityMs: g } : {}), ...(options.agent ? { agent: options.agent } : {}), ...(options.timers ? { timers: options.timers } : {}), ...(options.limits?.maxMessageBytes ? { maxMessageBytes: options.limits.maxMessageBytes } : {}), ...(options.limits?.maxHeaders ? { maxHeaders: options.limits.maxHeaders } : {}) });
  const dialogs = new DialogLayer({ transactions: layer, clock, ...(options.timers ? { timers: options.timers } : {}) });
  const resolver = new SipResolver(options.dns);
  const ignore = options.ignoreInvite;
  const onMessage = (m: InboundMessage) => {
    if (ignore && ignoredInvite(m, ignore)) return;
    layer.receive(m);
  };
  let probe: QueueProbe | undefined;
  const handlers: TransportHandlers = { onMessage, onEvent: (e: TransportEvent) => logEvent(log, e), onProbe: (bytes) => probe?.received(bytes) ?? false };
  let tapFailed = false;
  const setTap = (tap: ((event: SipMessageEvent) => void) | undefined) => {
    handlers.tap = tap && ((e: SipMessageEvent) => {
      try {
        tap(e);
      } catch (err) {
        // A broken observer must cost neither the message nor a log line per message.
        if (!tapFailed) log.warn({ err }, 'SIP tap failed (further failures are not logged)');
        tapFailed = true;
      }
    });
  };
  const opened: Transport[] = [];
  const closeAll = async () => {
    await Promise.all(opened.splice(0).map((t) => t.close().catch(() => undefined)));
  };
  try {
    const { hosts, optional } = hostsFor(options.host);
    const limits = options.limits ? { limits: options.limits } : {};
    const sipPort = await bindAll(hosts, optional, options.port, log, async (host, port, into) => {
      // UDP first: with port 0 it picks the port and TCP follows it (SPEC §7: one number for both).
      const udp = await UdpTransport.listen({ host, port, handlers, ...limits });
      into.push(udp);
      into.push(await StreamTransport.listen({ host, port: udp.local.port, handlers, ...limits }));
    }, opened);
    let tlsPort: number | null = null;
    if (options.tls) {
      const tls = { key: options.tls.key, cert: options.tls.cert };
      tlsPort = await bindAll(hosts, optional, options.tls.port, log, async (host, port, into) => {
        into.push(await StreamTransport.listen({ host, port, handlers, tls, ...limits }));
      }, opened);
    }
    for (const t of opened) transports.add(t);
    // Where UDP sends run (the addon's thread, else dgram on this thread, with why): a figure of Performance.
    const udpSend = opened.flatMap((t) => (t instanceof UdpTransport ? [t.sendPath] : []))[0];
    log.info({ sip: sipPort, tls: tlsPort, hosts, udp_send: udpSend?.path, ...(udpSend?.path === 'dgram' ? { udp_send_reason: udpSend.reason } : {}) }, 'SIP listening');
    return {
      ports: { sip: sipPort, tls: tlsPort },
      layer,
      transports,
      uas,
      dialogs,
      resolver,
      sendToUri: (request, h) => sendToNextHop(layer, resolver, request, h),
      setHandler: (h) => uas.setHandler(h),
      setStatelessAnswers: (p) => {
        answers = p;
      },
      setTap,
      probeQueues: (intervalMs) => (probe ??= startQueueProbe(opened, options.clock, intervalMs)),
      stop: async () => {
        probe?.stop();
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function ignoredInvite(m: InboundMessage, ignore: (request: SipRequest) => boolean): boolean {
  if (m.fault || m.bytes.length < 8 || m.bytes.toString('latin1', 0, 7) !== 'INVITE ') return false;
  try {
    const msg = parseMessage(m.bytes);
    return msg.kind === 'request' && !msg.headers.to()?.tag && ignore(msg);
  } catch {
    // The transaction layer answers what does not parse.
    return false;
  }
}

type Binder = (host: string, port: number, into: Transport[]) => Promise<void>;

/**
 * Binds every host on one port. With port 0 the first bind picks it and the others follow; if
 * another process holds that port on a later host, the whole set is retried on a new one.
 */
async function bindAll(hosts: readonly string[], optional: ReadonlySet<string>, port: number, log: Logger, bind: Binder, opened: Transport[]): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const mine: Transport[] = [];
    let chosen = port;
    try {
      for (const host of hosts) {
        const before = mine.length;
        try {
          await bind(host, chosen, mine);
        } catch (err) {
          await Promise.all(mine.splice(before).map((t) => t.close().catch(() => undefined)));
          if (optional.has(host) && isAddressUnavailable(err)) {
            log.warn({ host, err: (err as Error).message }, `SIP not listening on ${host}: the host has no such address family`);
            continue;
          }
          throw err;
        }
        if (chosen === 0) chosen = mine[before].local.port;
      }
      opened.push(...mine);
      return chosen;
    } catch (err) {
      await Promise.all(mine.map((t) => t.close().catch(() => undefined)));
      if (port !== 0 || attempt >= 4) throw err;
    }
  }
}

function isAddressUnavailable(err: unknown): boolean {
  const cause = isTrunklineError(err) ? (err.cause as { code?: string } | undefined) : undefined;
  return ['EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EPROTONOSUPPORT'].includes(cause?.code ?? '');
}

function logEvent(log: Logger, e: TransportEvent): void {
  const remote = 'remote' in e && e.remote ? `${e.remote.address}:${e.remote.port}` : undefined;
  switch (e.type) {
    case 'limit':
      log.warn({ limit: e.limit, protocol: e.protocol, remote }, `SIP ${e.protocol.toUpperCase()} limit ${e.limit} reached from ${remote}: ${e.detail}`);
      return;
    case 'framing':
      log.warn({ protocol: e.protocol, remote }, `SIP ${e.protocol.toUpperCase()} framing error from ${remote}: ${e.detail}`);
      return;
    case 'error':
      log.info({ protocol: e.protocol, remote }, `SIP ${e.protocol.toUpperCase()} socket error${remote ? ` (${remote})` : ''}: ${e.detail}`);
      return;
    case 'connection':
      log.debug({ protocol: e.protocol, remote, connection: e.connectionId }, `SIP ${e.protocol.toUpperCase()} connection ${e.state}`);
      return;
  }
}

