// A reader of `text/event-stream` (WHATWG HTML §9.2) for tests of the call event stream.

export interface SseEvent { event: string; data: string; id?: string }

/** Reads `text/event-stream` frames from a fetch body as they arrive; an event not there within `timeoutMs` fails the read. */
export function sseReader(body: ReadableStream<Uint8Array>, timeoutMs = 10_000): { next(): Promise<SseEvent> } {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const read = async (): Promise<{ value?: Uint8Array; done: boolean }> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_r, reject) => {
      timer = setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([reader.read(), late]);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    async next() {
      for (;;) {
        const end = buf.indexOf('\n\n');
        if (end >= 0) {
          const frame = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const lines = frame.split('\n').filter((l) => !l.startsWith(':'));
          if (!lines.length) continue;
          const ev: SseEvent = { event: 'message', data: '' };
          for (const l of lines) {
            const [k, ...v] = l.split(':');
            const value = v.join(':').replace(/^ /, '');
            if (k === 'event') ev.event = value;
            if (k === 'data') ev.data += value;
            if (k === 'id') ev.id = value;
          }
          if (ev.event === 'message' && !ev.data) continue;
          return ev;
        }
        const { value, done } = await read();
        if (done) throw new Error('stream ended');
        buf += decoder.decode(value, { stream: true });
      }
    },
  };
}
