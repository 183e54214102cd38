/**
 * Where a capture stood on a stream's media path, from IP TTLs. Senders start at 64 (Linux,
 * macOS, most phones), 128 (Windows) or 255 (many routers, SBCs, Cisco); each router takes one
 * off. A stream's TTL at the capture point says how many routers lie between its sender and the
 * capture; the stream coming back from its receiver says how many lie between the receiver and
 * the capture. Other starting values (32, 60, 144 on some ATAs) exist, so a TTL far below all
 * three says nothing.
 */
import { parseEndpoint } from './address.js';
import type { StreamEvidence } from './evidence.js';

const INITIAL = [64, 128, 255] as const;
/** More routers than this between two hosts is rare; a TTL further below a starting value is read as another start. */
const MAX_HOPS = 30;

/** Routers between the sender and the capture point, when the TTL sits just under a common starting value. */
export function hopsFromTtl(ttl: number): { readonly initial: number; readonly hops: number } | undefined {
  for (const initial of INITIAL) if (ttl <= initial && initial - ttl <= MAX_HOPS) return { initial, hops: initial - ttl };
  return undefined;
}

export interface PathSide {
  /** The host whose packets were measured. */
  readonly host: string;
  readonly ttl: number;
  readonly initial: number;
  readonly hops: number;
}

export interface StreamPosition {
  /** Routers between the stream's sender and the capture point. */
  readonly sender?: PathSide;
  /** Routers between the stream's receiver and the capture point (from what the receiver sends back). */
  readonly receiver?: PathSide;
  /** Which end the capture point is nearer, when both distances are known (or the sender's is 0). */
  readonly near?: 'sender' | 'receiver' | 'both' | 'midway';
}

const hostOf = (endpoint: string): string => parseEndpoint(endpoint).host;

function side(host: string, s: StreamEvidence | undefined): PathSide | undefined {
  // The first packet's TTL: the path the stream started on (a later route change is its own finding).
  const ttl = s?.ttl?.first;
  const h = ttl === undefined ? undefined : hopsFromTtl(ttl);
  return h && ttl !== undefined ? { host, ttl, initial: h.initial, hops: h.hops } : undefined;
}

/** The capture point on one stream's path, from its own TTL and that of a stream its receiver sent. */
export function streamPosition(s: StreamEvidence, streams: readonly StreamEvidence[]): StreamPosition {
  const from = hostOf(s.src);
  const to = hostOf(s.dst);
  const sender = side(from, s);
  // What the receiver sent back (any of its streams in the call; the reverse direction first).
  const back = streams.find((x) => x !== s && x.src === s.dst && x.ttl) ?? streams.find((x) => x !== s && x.ttl && hostOf(x.src) === to);
  const receiver = side(to, back);
  let near: StreamPosition['near'];
  if (sender && receiver) {
    near = sender.hops < receiver.hops ? 'sender' : sender.hops > receiver.hops ? 'receiver' : sender.hops === 0 ? 'both' : 'midway';
  } else if (sender?.hops === 0) near = 'sender';
  return { ...(sender ? { sender } : {}), ...(receiver ? { receiver } : {}), ...(near ? { near } : {}) };
}

const routers = (n: number): string => `${n} router${n === 1 ? '' : 's'}`;

/** One line: where the capture point stood between the stream's two ends. */
export function describePosition(p: StreamPosition): string {
  const parts: string[] = [];
  if (p.sender) parts.push(`${routers(p.sender.hops)} from the sender ${p.sender.host} (its RTP arrives with TTL ${p.sender.ttl} of ${p.sender.initial})`);
  if (p.receiver) parts.push(`${routers(p.receiver.hops)} from the receiver ${p.receiver.host} (its own RTP arrives with TTL ${p.receiver.ttl} of ${p.receiver.initial})`);
  const next = (end: PathSide | undefined): string => (end?.hops === 0 ? 'next to' : 'nearer');
  const where =
    p.near === 'sender' ? `: ${next(p.sender)} the sender` : p.near === 'receiver' ? `: ${next(p.receiver)} the receiver` : p.near === 'both' ? ': on the segment both ends are on' : p.near === 'midway' ? ': midway' : '';
  return `the capture point was ${parts.join(' and ')}${where}`;
}
