import type { SipRequest, SipResponse } from '../message/message.js';

/** RFC 3261 §8.1.1.7: branches of RFC 3261 elements start with the magic cookie. */
export const MAGIC_COOKIE = 'z9hG4bK';

/**
 * RFC 3261 §17.2.3: the key of the server transaction a request belongs to. With the magic
 * cookie: branch + sent-by + method (ACK and CANCEL handled by the caller). Without it, the
 * RFC 2543 rule: Request-URI, From tag, Call-ID, CSeq number and the whole top Via; the To tag
 * is not part of the key, so an ACK (which carries our To tag) still finds its INVITE.
 * Throws the parser's SIP_PARSE_* error when a header it needs is malformed.
 */
export function serverKey(request: SipRequest, method = request.method): string | undefined {
  const via = request.headers.topVia();
  if (!via) return undefined;
  const branch = via.branch ?? '';
  const m = method === 'ACK' ? 'INVITE' : method;
  if (branch.startsWith(MAGIC_COOKIE)) return [branch, `${via.host.toLowerCase()}:${via.port ?? ''}`, m].join('|');
  const cseq = request.headers.cseq();
  return ['2543', request.uri, request.headers.from()?.tag ?? '', request.headers.callId() ?? '', cseq?.seq ?? '', via.raw, m].join('|');
}

/** RFC 3261 §17.1.3: a response matches the client transaction of its top Via branch and CSeq method. */
export function clientKeyOfResponse(response: SipResponse): string | undefined {
  const branch = response.headers.topVia()?.branch;
  const method = response.headers.cseq()?.method;
  return branch && method ? clientKey(branch, method) : undefined;
}

export function clientKey(branch: string, method: string): string {
  return [branch, method === 'ACK' ? 'INVITE' : method].join('|');
}

/** RFC 3261 §8.2.2.2: From tag, Call-ID and CSeq identify a request across forks (merged requests). */
export function mergeKey(request: SipRequest): string | undefined {
  const tag = request.headers.from()?.tag;
  const cseq = request.headers.cseq();
  const callId = request.headers.callId();
  return tag && cseq && callId ? [tag, callId, cseq.seq, cseq.method].join('|') : undefined;
}

/**
 * `text` as a string of its own, for what is kept past the message it was read from (a lingering
 * transaction's keys, up to 32 s). The parser hands out slices of the received text, and V8 keeps
 * a slice's whole parent alive — as it keeps every part of a string built by concatenation — so
 * a key cut from a request kept that request's text (or its Via) as long as the key lived (issue
 * 13). Slicing a concatenation makes V8 copy it into one flat string first; the copy refers to
 * nothing else. This is about V8's string representation, not the language; bench/tx-linger-heap
 * shows what it saves.
 */
export function ownString(text: string): string {
  return `${text} `.slice(0, -1);
}

/** The methods of RFC 3261 and its extensions, as constants: a transaction keeps one for up to 32 s. */
const KNOWN_METHODS: ReadonlyMap<string, string> = new Map(['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'INFO', 'UPDATE', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'MESSAGE', 'PUBLISH'].map((m) => [m, m]));

/** `method` as the one string every transaction shares (a parsed method is a string of its own per message). */
export function internMethod(method: string): string {
  return KNOWN_METHODS.get(method) ?? ownString(method);
}
