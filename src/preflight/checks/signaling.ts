import { connect } from 'node:net';
import type { TransportProtocol, Via } from '../../sip/index.js';
import type { PreflightSip } from '../sip-client.js';
import { ITEMS, type CheckResult } from '../types.js';

/**
 * The guide's first item, "SIP signaling port (443 / 5070) reachable": a TCP connect to the SIP
 * port, then SIP OPTIONS (RFC 3261 §11) over UDP, TCP and TLS with the round trip of each.
 * The UDP answer also tells this host's public address: the `received`/`rport` the edge put in
 * our Via (RFC 3261 §18.2.1, RFC 3581 §4).
 */
export interface SignalingTarget {
  readonly host: string;
  readonly sipPort: number;
  readonly tlsPort: number | null;
  readonly trunkDomain: string;
  readonly timeoutMs: number;
}

export interface OptionsOutcome {
  readonly result: CheckResult;
  /** The top Via of the answer: where the edge saw us. */
  readonly via?: Via;
}

const FIREWALL = (what: string) =>
  `open ${what} outbound from this host to the edge (and the replies back) in your firewall; check that the edge address and port are right (--edge, --sip-port / --tls-port)`;

/** A plain TCP connect to the SIP port: reachability before any SIP is spoken. */
export function tcpConnect(t: SignalingTarget, address: string): Promise<CheckResult> {
  const start = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: address, port: t.sipPort });
    const done = (r: Omit<CheckResult, 'id' | 'item'>) => {
      socket.destroy();
      resolve({ id: 'signaling.tcp', item: ITEMS.signaling, ...r });
    };
    socket.setTimeout(t.timeoutMs, () => done({ status: 'fail', seen: `TCP ${address}:${t.sipPort}: no answer to the connection within ${t.timeoutMs} ms (dropped by a firewall?)`, change: FIREWALL(`TCP ${t.sipPort}`) }));
    socket.once('error', (err) => done({ status: 'fail', seen: `TCP ${address}:${t.sipPort}: ${err.message}`, change: FIREWALL(`TCP ${t.sipPort}`) }));
    socket.once('connect', () => {
      const rtt = Math.round((performance.now() - start) * 10) / 10;
      done({ status: 'pass', seen: `TCP ${address}:${t.sipPort} accepts connections (${rtt} ms)`, rtt_ms: rtt });
    });
  });
}

/** OPTIONS over one transport to the trunk domain (RFC 3261 §11.1), with the round trip. */
export async function optionsOver(sip: PreflightSip, t: SignalingTarget, protocol: TransportProtocol): Promise<OptionsOutcome> {
  const port = protocol === 'tls' ? t.tlsPort! : t.sipPort;
  const scheme = protocol === 'tls' ? 'sips' : 'sip';
  const ruri = `${scheme}:${t.trunkDomain}`;
  const req = sip.request('OPTIONS', ruri, `sip:preflight@${t.trunkDomain}`, ruri, protocol, [['Accept', 'application/sdp']]);
  const x = await sip.send(req, { protocol, address: sip.edgeAddress, port, serverName: t.trunkDomain }, t.timeoutMs);
  const label = `${protocol.toUpperCase()} ${sip.edgeAddress}:${port}`;
  const id = `options.${protocol}`;
  if (!x.response) {
    const why = x.error === 'timeout' ? `no answer to OPTIONS within ${t.timeoutMs} ms` : x.error ?? 'no answer';
    return { result: { id, item: ITEMS.signaling, status: 'fail', seen: `${label}: ${why}`, change: FIREWALL(`${protocol.toUpperCase()} ${port}`) } };
  }
  const r = x.response;
  const via = r.headers.topVia();
  const where = via?.received ? `; the edge saw this host as ${via.received}${typeof via.rport === 'number' ? `:${via.rport}` : ''}` : '';
  const details = { status: r.status, reason: r.reason, server: r.headers.get('Server') ?? r.headers.get('User-Agent') ?? null, allow: r.headers.get('Allow') ?? null };
  if (r.status >= 200 && r.status < 300) {
    return { via, result: { id, item: ITEMS.signaling, status: 'pass', seen: `${label}: OPTIONS answered ${r.status} ${r.reason} in ${x.rttMs} ms${where}`, rtt_ms: x.rttMs, details } };
  }
  // Any final answer proves the port is open; a refusal of OPTIONS itself is worth a look.
  return {
    via,
    result: {
      id, item: ITEMS.signaling, status: 'warn', rtt_ms: x.rttMs, details,
      seen: `${label}: OPTIONS answered ${r.status} ${r.reason} in ${x.rttMs} ms${where}${r.headers.get('Warning') ? ` (Warning: ${r.headers.get('Warning')})` : ''}`,
      change: `the port is reachable but OPTIONS is refused; keep-alive OPTIONS from your PBX will be too — check the answer's Warning/Reason (\`trunkline explain ${r.status}\`)`,
    },
  };
}
