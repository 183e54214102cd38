// The account's call event stream (server-sent events). EventSource cannot send an
// Authorization header, so a short-lived token is fetched with Basic auth first; when the
// stream drops and the browser's own retry fails (the token expired), a new token is fetched.
import { send } from './api.js';
import type { CallSummary } from './types.js';

export interface LiveCalls {
  close(): void;
}

export function liveCalls(onCall: (c: CallSummary) => void, onState: (state: 'connecting' | 'live' | 'offline', detail?: string) => void): LiveCalls {
  let es: EventSource | undefined;
  let closed = false;
  let retry: number | undefined;
  const open = async (): Promise<void> => {
    if (closed) return;
    onState('connecting');
    let uri: string;
    try {
      uri = (await send<{ events_uri: string }>('POST', '/calls/events/token', {})).events_uri;
    } catch (err) {
      onState('offline', (err as Error).message);
      retry = window.setTimeout(() => void open(), 5000);
      return;
    }
    if (closed) return;
    es = new EventSource(uri);
    es.addEventListener('ready', () => onState('live'));
    es.addEventListener('call', (ev) => onCall(JSON.parse((ev as MessageEvent<string>).data) as CallSummary));
    es.addEventListener('error', () => {
      if (closed || !es) return;
      if (es.readyState === EventSource.CLOSED) {
        onState('offline', 'the stream closed; reconnecting');
        retry = window.setTimeout(() => void open(), 3000);
      } else {
        onState('connecting');
      }
    });
  };
  void open();
  return {
    close() {
      closed = true;
      window.clearTimeout(retry);
      es?.close();
    },
  };
}
