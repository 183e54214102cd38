import { createResponse, type SipRequest, type SipResponse } from '../../sip/index.js';
import type { CallRecorder } from '../record/call-record.js';
import type { CallSide, MediaAnchor } from '../ports/media-anchor.js';
import type { ClientTx, EdgeSipPort, ServerTx } from '../ports/sip-port.js';
import type { CallTrace } from './call-trace.js';
import { passHeaders, type Hop, type Leg, type Role } from './leg.js';
import type { NextHops } from './next-hops.js';

/**
 * What crosses from one leg of the B2BUA to the other, rebuilt for it: the callee's responses
 * to the caller's INVITE and, once the call is up, every in-dialog request but BYE (re-INVITE
 * and UPDATE for hold, INFO, OPTIONS, RFC 4028 session refreshes) with its response. Only the
 * headers below cross; the rest of each side's topology stays on its side.
 */

/** Headers of the callee's responses to the INVITE that reach the caller. */
const INVITE_RESPONSE_HEADERS = ['Reason', 'Warning', 'Retry-After', 'Session-Expires', 'Require', 'Supported', 'Allow', 'Unsupported', 'Min-SE'];
/** Headers of an in-dialog response that reach the side whose request it answers. */
const IN_DIALOG_RESPONSE_HEADERS = ['Reason', 'Warning', 'Session-Expires', 'Require', 'Supported', 'Allow', 'Min-SE', 'Retry-After'];

/**
 * A response from b, rebuilt for a's transaction (same code and phrase: relayed untouched).
 * `extra`: headers of the edge's own (the call sid).
 */
export function relayToCaller(res: SipResponse, request: SipRequest, a: Leg, media: MediaAnchor, extra: readonly [string, string][]): SipResponse {
  const headers: [string, string][] = [];
  for (const name of INVITE_RESPONSE_HEADERS) {
    for (const v of res.headers.getAll(name)) headers.push([name, v]);
  }
  if (res.status > 100 && res.status < 300) {
    // RFC 3261 §12.1.1: as the caller's UAS, copy its Record-Route so proxies before us stay in the dialog.
    for (const rr of request.headers.getAll('Record-Route')) headers.push(['Record-Route', rr]);
    headers.push(['Contact', a.contact]);
  }
  headers.push(...extra);
  let body: string | undefined;
  if (res.body.length && isSdp(res)) body = media.rewrite('b', res.body.toString('utf8'), 'answer');
  if (body) headers.push(['Content-Type', 'application/sdp']);
  return createResponse(request, res.status, res.reason, { toTag: a.localTag, headers, ...(body ? { body } : {}) });
}

/**
 * What the in-dialog relay needs of its call, which keeps the legs' dialogs and the FSM. The
 * media anchor is not here: it is passed with each request, as the call may still replace it.
 */
export interface RelayingCall {
  readonly port: EdgeSipPort;
  readonly trace: CallTrace;
  readonly hops: NextHops;
  readonly recorder: Pick<CallRecorder, 'event'>;
  readonly aRole: Role;
  readonly bRole: Role;
  /** A re-INVITE's 2xx never ACKed ends the call as the answer's would. */
  readonly onNoAck: () => void;
  /** The re-INVITEs sent, released with the call's other INVITEs when it ends (ClientTx.release). */
  readonly invites: { push(tx: ClientTx): unknown };
  /** A response to the re-INVITE sent on `leg`: the dialog layer refreshes the leg's dialog and ACKs a 2xx. */
  learn(leg: Leg, invite: SipRequest, res: SipResponse): void;
}

type Answer = (status: number, reason: string, extra?: [string, string][], body?: string) => void;

/** A request inside the dialog of leg `from` (not BYE: that ends the call), relayed to leg `to`. */
export function relayInDialog(call: RelayingCall, media: MediaAnchor, tx: ServerTx, fromSide: CallSide, from: Leg, to: Leg): void {
  const fromRole = fromSide === 'a' ? call.aRole : call.bRole;
  const req = tx.request;
  const answer: Answer = (status, reason, extra = [], body) => {
    const res = createResponse(req, status, reason, { toTag: from.localTag, headers: extra, ...(body ? { body } : {}) });
    call.trace.sent(fromRole, res, tx.source.hop, tx.source.local);
    // A re-INVITE's 2xx is retransmitted by the dialog layer until its ACK, like the first one.
    if (req.method === 'INVITE') call.port.answerInvite(tx, res, call.onNoAck);
    else tx.respond(res);
  };
  // RFC 3261 §12.2.2 in the leg's dialog: CSeq order, and a re-INVITE/UPDATE refreshes the target.
  if (from.receiveRequest(req)) {
    return answer(500, 'Server Internal Error', [['Retry-After', '1'], ['Reason', 'SIP;cause=500;text="CSeq out of order"']]);
  }
  let body: string | undefined;
  if (req.body.length && isSdp(req)) body = media.rewrite(fromSide, req.body.toString('utf8'), 'offer');
  const fwd = to.request(req.method, { headers: passHeaders(req.headers), ...(body ? { body: Buffer.from(body, 'utf8') } : {}) });
  call.hops.toward(to, (hop) => send(call, media, fwd, hop, req, from, to, fromSide, answer));
  if (req.method === 'INVITE' || req.method === 'UPDATE') call.recorder.event('reinvite', `${req.method} from the ${fromRole}${body && /a=(sendonly|inactive)|c=IN IP[46] 0\.0\.0\.0/.test(req.body.toString('utf8')) ? ' (hold)' : ''}`);
}

/** Sends `fwd`, the other leg's copy of in-dialog request `req`, and relays its answer back with `answer`. */
function send(call: RelayingCall, media: MediaAnchor, fwd: SipRequest, hop: Hop, req: SipRequest, from: Leg, to: Leg, fromSide: CallSide, answer: Answer): void {
  const toRole = fromSide === 'a' ? call.bRole : call.aRole;
  const toSide: CallSide = fromSide === 'a' ? 'b' : 'a';
  const tx = call.port.sendRequest(fwd, hop, {
    onResponse: (res) => {
      call.trace.received(toRole, res, hop, to.local);
      if (res.status < 200 && res.status !== 183 && res.status !== 180) return;
      if (req.method === 'INVITE' && res.status >= 200 && res.status < 300) call.learn(to, fwd, res);
      else if (req.method === 'UPDATE' && res.status >= 200 && res.status < 300) to.receiveResponse(res);
      const extra: [string, string][] = [];
      for (const name of IN_DIALOG_RESPONSE_HEADERS) for (const v of res.headers.getAll(name)) extra.push([name, v]);
      if ((req.method === 'INVITE' || req.method === 'UPDATE') && res.status < 300) extra.push(['Contact', from.contact]);
      let resBody: string | undefined;
      if (res.body.length && isSdp(res)) {
        resBody = media.rewrite(toSide, res.body.toString('utf8'), 'answer');
        extra.push(['Content-Type', 'application/sdp']);
      }
      answer(res.status, res.reason, extra, resBody);
    },
    onTimeout: () => answer(408, 'Request Timeout', [['Reason', `SIP;cause=408;text="No response from the ${toRole}"`]]),
    onTransportError: () => answer(503, 'Service Unavailable', [['Retry-After', '5'], ['Reason', `SIP;cause=503;text="The ${toRole} cannot be reached"`]]),
    onSent: (sent) => call.trace.sent(toRole, sent, hop, to.local),
    onWire: (direction, bytes) => call.trace.wire(toRole, direction, bytes, hop, to.local),
  });
  // Traced once sent, with the transaction layer's Via on it (what went on the wire).
  call.trace.sent(toRole, fwd, hop, to.local);
  if (fwd.method === 'INVITE') call.invites.push(tx);
}

function isSdp(msg: SipRequest | SipResponse): boolean {
  return (msg.headers.contentType()?.type ?? 'application/sdp') === 'application/sdp';
}
