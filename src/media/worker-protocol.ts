// Messages between ThreadedMediaRelay (main thread) and relay-worker (one per worker thread).
import type { CreateSessionOptions, MediaRelayOptions, RelayCounters } from './media-relay.js';
import type { LegInfo } from './media-leg.js';
import type { MediaSessionStats } from './session-types.js';

/** Session methods that are fire-and-forget across the thread boundary. */
export type ForwardedCall =
  | { readonly method: 'setRemote'; readonly args: [leg: 'A' | 'B', remote: { address: string; rtpPort: number; rtcpPort?: number }] }
  | { readonly method: 'relatch'; readonly args: [leg: 'A' | 'B'] }
  | { readonly method: 'setEcho'; readonly args: [on: boolean] }
  | { readonly method: 'setHold'; readonly args: [held: boolean] }
  | { readonly method: 'answered'; readonly args: [] }
  | { readonly method: 'setRtpTimeout'; readonly args: [ms: number, dropAfterMs?: number] }
  | { readonly method: 'startRecording'; readonly args: [path: string] }
  | { readonly method: 'recordSip'; readonly args: [message: { at?: number; srcIp: string; srcPort: number; dstIp: string; dstPort: number; data: string | Uint8Array }] };

export type ToWorker =
  | { readonly op: 'create'; readonly req: number; readonly callSid: string; readonly options: CreateSessionOptions }
  | ({ readonly op: 'call'; readonly callSid: string } & ForwardedCall)
  | { readonly op: 'stats'; readonly req: number; readonly callSid: string }
  | { readonly op: 'stopRecording'; readonly req: number; readonly callSid: string }
  | { readonly op: 'close'; readonly req: number; readonly callSid: string; readonly reason: string }
  | { readonly op: 'counters'; readonly req: number }
  | { readonly op: 'shutdown'; readonly req: number };

export type FromWorker =
  | { readonly op: 'reply'; readonly req: number; readonly result?: unknown; readonly error?: { code?: string; message: string } }
  | { readonly op: 'event'; readonly callSid: string; readonly name: string; readonly data: unknown };

export interface WorkerInit {
  readonly relay: Omit<MediaRelayOptions, 'clock' | 'portRange'> & { readonly portRange: { lo: number; hi: number } };
}

export interface CreatedSession {
  readonly legA: LegInfo;
  readonly legB: LegInfo;
  readonly stats: MediaSessionStats;
}

export type { RelayCounters };
