// One SIP message → the evidence record the diagnosis rules read (sip's SipEvent with sdp's
// summary). The one conversion for every place a message is seen: a captured frame here, and
// the edge's own trace of a live call (app/ passes each traced message through sipEventOf), so
// the same message yields the same evidence live and in a capture. It lives in capture/ because
// it needs both sip/ (parse) and sdp/ (summary), siblings at L1, and capture's dissector is
// where SIP bytes become events. Parsing is the sip layer's parseMessage; a message it finds
// damaged is still recorded from what could be read, with the error, never dropped.
import { parseMessage, partialMessageOf, type SipEvent, type SipMessage } from '../sip/index.js';
import { summariseSdp, type SdpSummary } from '../sdp/index.js';
import type { CaptureSipEvent } from './types.js';

/** Headers the rules read (evidence.ts), lower-case. */
const KEPT_HEADERS = [
  'warning',
  'reason',
  'retry-after',
  'www-authenticate',
  'proxy-authenticate',
  'authorization',
  'proxy-authorization',
  'user-agent',
  'server',
  'x-trunkline-finding',
  'contact',
  'p-asserted-identity',
  'record-route',
  'supported',
  'require',
  'expires',
  'session-expires',
];

const MAX_RAW = 64 * 1024;

export interface ParsedSipEvent {
  readonly callId: string | undefined;
  readonly event: CaptureSipEvent;
}

/** Where and when a message was seen. */
export interface SipEventMeta {
  readonly at: number;
  readonly src: string;
  readonly dst: string;
  readonly transport: string;
}

export interface SipEventOf {
  readonly callId: string | undefined;
  readonly event: SipEvent<SdpSummary>;
  /** The parser's complaint about a damaged message (the event holds what it could read). */
  readonly parseError?: string;
}

/**
 * `read(arg)`, or undefined when it throws (a damaged header). The readers are module functions,
 * not closures made per message: sipEventOfMessage runs for every message of a live call (issue 13).
 */
function safe<A, T>(read: (arg: A) => T, arg: A): T | undefined {
  try {
    return read(arg);
  } catch {
    return undefined;
  }
}

type Headers = SipMessage['headers'];
const readCSeq = (h: Headers) => h.cseq();
const readFrom = (h: Headers) => h.from();
const readTo = (h: Headers) => h.to();
const readTopVia = (h: Headers) => h.topVia();
const readVias = (h: Headers) => h.getAll('via');
const readCallId = (h: Headers) => h.callId();

/** Bit of each kept header in a message's mask of those present. */
const KEPT_BIT: ReadonlyMap<string, number> = new Map(KEPT_HEADERS.map((name, i) => [name, 1 << i]));

/** The SDP part of a body: application/sdp, or the application/sdp part of a multipart body. */
function sdpText(msg: SipMessage, contentType: string | undefined): string | undefined {
  if (msg.body.length === 0) return undefined;
  const ct = (contentType ?? '').toLowerCase();
  const text = msg.body.toString('utf8');
  if (ct.startsWith('application/sdp')) return text;
  if (ct.startsWith('multipart/')) {
    // RFC 2046 §5.1: parts separated by --boundary; pick the one whose Content-Type is SDP.
    const m = /boundary="?([^";]+)"?/i.exec(contentType ?? '');
    if (m === null) return undefined;
    for (const part of text.split(`--${m[1]}`)) {
      const split = part.search(/\r?\n\r?\n/);
      if (split < 0) continue;
      if (/content-type:\s*application\/sdp/i.test(part.slice(0, split))) return part.slice(split).replace(/^\r?\n\r?\n/, '');
    }
    return undefined;
  }
  // No or odd Content-Type but an SDP-looking body: still summarise it.
  return ct === '' && text.startsWith('v=0') ? text : undefined;
}

/** A captured frame's SIP message → its event, with where it sits in the capture. */
export function toSipEvent(
  bytes: Uint8Array,
  meta: SipEventMeta & { readonly frame: number; readonly file: number; readonly truncated?: boolean; readonly ttl?: number },
): ParsedSipEvent | undefined {
  const seen = sipEventOf(bytes, meta);
  if (seen === undefined) return undefined;
  const { parseError } = seen;
  const rawBytes = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, MAX_RAW));
  const event: CaptureSipEvent = {
    ...seen.event,
    frame: meta.frame,
    file: meta.file,
    ...(meta.ttl === undefined ? {} : { ttl: meta.ttl }),
    raw: rawBytes.toString('utf8'),
    ...(parseError === undefined ? {} : { parseError: meta.truncated ? `${parseError} (frame cut by the snap length)` : parseError }),
  };
  return { callId: seen.callId, event };
}

/**
 * One SIP message, as bytes on the wire, → its evidence: the one conversion for captures and
 * live calls. Undefined when the bytes hold no SIP message at all.
 */
export function sipEventOf(bytes: Uint8Array, meta: SipEventMeta): SipEventOf | undefined {
  let msg: SipMessage | undefined;
  let parseError: string | undefined;
  try {
    msg = parseMessage(bytes, { strict: false, maxBytes: 1 << 20 });
  } catch (err) {
    msg = partialMessageOf(err);
    parseError = err instanceof Error ? err.message : String(err);
  }
  if (msg === undefined) return undefined;
  return sipEventOfMessage(msg, meta, parseError);
}

/**
 * A message already parsed (or built) → its evidence, without going through bytes: the edge
 * converts each message of a live call as it traces it (issue 13: the end-of-call diagnosis
 * parsed the whole trace again). Same result as sipEventOf on the message's serialisation.
 */
export function sipEventOfMessage(msg: SipMessage, meta: SipEventMeta, parseError?: string): SipEventOf {
  const h = msg.headers;
  const cseq = safe(readCSeq, h) ?? lenientCSeq(h.get('cseq'));
  const from = safe(readFrom, h) ?? lenientNameAddr(h.get('from'));
  const to = safe(readTo, h) ?? lenientNameAddr(h.get('to'));
  const via = safe(readTopVia, h) ?? lenientVia(safe(readVias, h)?.[0]);
  const callId = safe(readCallId, h) ?? h.get('call-id');
  const contentType = h.get('content-type');
  let sdp: SdpSummary | undefined;
  const body = sdpText(msg, contentType);
  if (body !== undefined) sdp = safe(summariseSdp, body);
  const dtmf = msg.kind === 'request' && msg.method === 'INFO' ? infoDtmf(contentType, msg.body.toString('utf8')) : undefined;
  const headers: Record<string, string[]> = {};
  let anyHeader = false;
  // One pass over the lines finds which kept headers are there (most are not: a lookup each was
  // a scan of every line each, issue 13) and the correlation headers a B2BUA or SBC copies from
  // one leg to the next (X-…, P-Charging-Vector RFC 7315, Session-ID RFC 7989): what links two
  // Call-IDs into one call. A few, short.
  let present = 0;
  const correlation: [string, string][] = [];
  for (const f of h.fields()) {
    // The key is the name lower-cased (compact forms expanded, and none of these has one).
    const k = f.key;
    present |= KEPT_BIT.get(k) ?? 0;
    if (correlation.length >= 8 || !(k.startsWith('x-') || k === 'p-charging-vector' || k === 'session-id') || k === 'x-trunkline-finding') continue;
    correlation.push([k, f.value.slice(0, 256)]);
  }
  const getAll = (name: string) => h.getAll(name);
  for (let i = 0; i < KEPT_HEADERS.length; i++) {
    if ((present & (1 << i)) === 0) continue;
    const name = KEPT_HEADERS[i];
    const values = safe(getAll, name);
    if (values !== undefined && values.length > 0) {
      headers[name] = values;
      anyHeader = true;
    }
  }
  for (const [k, v] of correlation) (headers[k] ??= []).push(v);
  if (correlation.length > 0) anyHeader = true;
  const method = msg.kind === 'request' ? msg.method : (cseq?.method ?? '');
  // Filled in field by field, in the order the spreads gave (JSON keeps it): ten `...(x ? {…} : {})`
  // were a third of this function's time, run for every traced message (issue 13).
  // Upper case as in Via (RFC 3261 §20.42: SIP/2.0/UDP): the edge names its hops udp/tcp/tls.
  const transport = meta.transport.toUpperCase();
  const cseqNumber = cseq?.seq ?? 0;
  const event: { -readonly [K in keyof SipEvent<SdpSummary>]: SipEvent<SdpSummary>[K] } = msg.kind === 'response'
    ? { at: meta.at, src: meta.src, dst: meta.dst, transport, kind: msg.kind, method, status: msg.status, reason: msg.reason, cseq: cseqNumber }
    : { at: meta.at, src: meta.src, dst: meta.dst, transport, kind: msg.kind, method, cseq: cseqNumber };
  if (via?.branch) event.branch = via.branch;
  if (from?.tag) event.fromTag = from.tag;
  if (to?.tag) event.toTag = to.tag;
  if (from) event.from = from.uri;
  if (to) event.to = to.uri;
  if (msg.kind === 'request') event.requestUri = msg.uri;
  if (contentType !== undefined) event.contentType = contentType;
  if (sdp !== undefined) event.sdp = sdp;
  if (dtmf !== undefined) event.dtmf = dtmf;
  if (anyHeader) event.headers = headers;
  return parseError === undefined ? { callId, event } : { callId, event, parseError };
}

/**
 * DTMF in a SIP INFO (RFC 6086 carries it; the bodies are de-facto formats): application/dtmf-relay
 * "Signal=5\r\nDuration=160" (Cisco, Asterisk, SIPp) or application/dtmf "5".
 */
function infoDtmf(contentType: string | undefined, body: string): { signal: string; durationMs?: number } | undefined {
  const ct = (contentType ?? '').toLowerCase();
  if (ct.startsWith('application/dtmf-relay')) {
    const signal = /^\s*signal\s*=\s*(\S+)/im.exec(body)?.[1];
    const duration = /^\s*duration\s*=\s*(\d+)/im.exec(body)?.[1];
    return signal === undefined ? undefined : { signal, ...(duration === undefined ? {} : { durationMs: Number(duration) }) };
  }
  if (ct.startsWith('application/dtmf')) {
    const signal = body.trim();
    return signal === '' ? undefined : { signal: signal.slice(0, 8) };
  }
  return undefined;
}

// Captures hold what real equipment sent, grammar slips included. When the sip parser refuses a
// header, these take the few fields the evidence needs, so a message is never dropped for it.

function lenientCSeq(v: string | undefined): { seq: number; method: string } | undefined {
  const m = v === undefined ? null : /^\s*(\d+)\s+(\S+)/.exec(v);
  return m === null ? undefined : { seq: Number(m[1]), method: m[2] };
}

function lenientNameAddr(v: string | undefined): { uri: string; tag: string | null } | undefined {
  if (v === undefined) return undefined;
  const uri = /<([^>]*)>/.exec(v)?.[1] ?? v.split(';')[0].trim();
  const tag = /;\s*tag=([^;,\s>]+)/i.exec(v.replace(/<[^>]*>/, ''))?.[1] ?? null;
  return { uri, tag };
}

function lenientVia(v: string | undefined): { branch: string | null } | undefined {
  if (v === undefined) return undefined;
  return { branch: /;\s*branch=([^;,\s]+)/i.exec(v)?.[1] ?? null };
}
