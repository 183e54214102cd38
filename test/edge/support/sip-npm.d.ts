// The npm `sip` package (kirm/sip.js) has no types; only what the interop test uses.
declare module 'sip' {
  export interface SipMessage {
    method?: string;
    uri?: string;
    status?: number;
    reason?: string;
    version?: string;
    headers: Record<string, unknown> & {
      to?: { uri: string; params: Record<string, string | undefined> };
      from?: { uri: string; params: Record<string, string | undefined> };
      'call-id'?: string;
      cseq?: { seq: number; method: string };
      contact?: { uri: string }[];
      via?: unknown[];
    };
    content?: string;
  }
  export interface Stack {
    send(m: SipMessage, cb?: (res: SipMessage) => void): void;
    destroy(): void;
  }
  export function create(options: Record<string, unknown>, onRequest: (req: SipMessage, remote: unknown) => void): Stack;
  export function makeResponse(req: SipMessage, status: number, reason: string, extension?: Record<string, unknown>): SipMessage;
}
