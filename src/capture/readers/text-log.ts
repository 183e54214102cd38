// SIP messages in text logs: blocks that start with a SIP start line, with the time and the
// addresses taken from the line(s) the logging program prints before each message:
//   sngrep "save as .txt":   2024/01/02 10:11:12.123456 10.0.0.1:5060 -> 10.0.0.2:5060
//   FreeSWITCH siptrace:     recv 1159 bytes from udp/[10.0.0.1]:5060 at 14:48:07.826154:
//   Asterisk chan_sip:       <--- SIP read from UDP:10.0.0.1:5060 --->   /   Transmitting (no NAT) to 10.0.0.1:5060:
//   Asterisk pjsip:          <--- Received SIP request (1140 bytes) from UDP:10.0.0.1:5060 --->
//   Kamailio sipdump:        key: value lines (time:, proto:, srcip:, srcport:, dstip:, dstport:), ~~~~, message, ||||
//   and any log line with a timestamp ("[Nov 24 12:00:00]", ISO 8601, syslog) before a message.
// The side the log does not name is "local".
import { hostPort } from '../../core/index.js';

export interface LogMessage {
  readonly at: number;
  readonly src: string;
  readonly dst: string;
  readonly transport: string;
  readonly bytes: Uint8Array;
  /** 1-based line number of the start line. */
  readonly line: number;
}

export type LogMessageSink = (m: LogMessage) => void;

const START = /^(?:[A-Za-z][A-Za-z0-9._!%*+`'~-]* [^ ]+ SIP\/2\.0|SIP\/2\.0 [1-6][0-9][0-9](?: .*)?)\s*$/;
const DELIMITER = /^(?:<-{5,}>|-{20,}|\|{10,}|~{10,}|={10,})\s*$/;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

interface Context {
  at?: number;
  src?: string;
  dst?: string;
  transport?: string;
}

/** "10.0.0.1:5060", "[2001:db8::1]:5060", "udp/[10.0.0.1]:5060", "UDP:10.0.0.1:5060" → "ip:port" ("[v6]:port"). */
function address(text: string): { transport?: string; addr: string } | undefined {
  const m = /^(?:(udp|tcp|tls|sctp|ws|wss)[:/])?\[?([0-9A-Fa-f:.]+?)\]?:(\d{1,5})$/i.exec(text.trim().replace(/[:,]$/, ''));
  if (m === null) return undefined;
  const ip = m[2];
  const addr = hostPort(ip, m[3]);
  return m[1] === undefined ? { addr } : { transport: m[1].toUpperCase(), addr };
}

export class TextLogReader {
  readonly format = 'text' as const;
  readonly #sink: LogMessageSink;
  readonly #reference: Date;
  readonly #decoder = new TextDecoder('utf-8');
  #tail = '';
  #lineNo = 0;
  #ctx: Context = {};
  #msg: string[] | undefined;
  #msgLine = 0;
  #msgCtx: Context = {};
  #inBody = false;
  #indent = '';
  #bodyLeft = -1;
  #bytes = 0;
  /** Lines that were neither part of a message nor a recognised context line. */
  otherLines = 0;

  /** `referenceDate` supplies the date (and year) when the log prints only a time of day. */
  constructor(sink: LogMessageSink, referenceDate: number = 0) {
    this.#sink = sink;
    this.#reference = new Date(referenceDate);
  }

  get offset(): number {
    return this.#bytes;
  }

  push(chunk: Uint8Array): void {
    this.#bytes += chunk.length;
    const text = this.#tail + this.#decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    this.#tail = lines.pop() ?? '';
    for (const l of lines) this.#line(l.endsWith('\r') ? l.slice(0, -1) : l);
  }

  end(): void {
    const rest = this.#tail + this.#decoder.decode();
    this.#tail = '';
    if (rest.length > 0) this.#line(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
    this.#flush();
  }

  #line(raw: string): void {
    this.#lineNo++;
    // FreeSWITCH indents every line of a message by three spaces: strip the start line's indent.
    let line = raw;
    if (this.#msg !== undefined) {
      if (this.#indent !== '' && raw.startsWith(this.#indent)) line = raw.slice(this.#indent.length);
      else if (raw.trim() === '') line = '';
    }
    if (this.#msg !== undefined) {
      if (this.#inBody) {
        if (this.#bodyLeft > 0) {
          this.#msg.push(line);
          this.#bodyLeft -= Buffer.byteLength(line) + 2;
          if (this.#bodyLeft <= 0) this.#flush();
          return;
        }
        // No Content-Length: the body runs to a blank line, a delimiter or the next message.
        if (line.trim() === '' || DELIMITER.test(line.trim()) || START.test(line.trim()) || this.#isContext(line)) {
          this.#flush();
        } else {
          this.#msg.push(line);
          return;
        }
      } else if (line.trim() === '') {
        this.#msg.push('');
        this.#inBody = true;
        if (this.#bodyLeft === 0) this.#flush();
        return;
      } else if (DELIMITER.test(line.trim()) || START.test(line.trim())) {
        this.#flush(); // a log that does not print the empty line after the headers
      } else {
        this.#msg.push(line);
        const cl = /^(?:content-length|l)\s*:\s*(\d+)\s*$/i.exec(line);
        if (cl !== null) this.#bodyLeft = Number(cl[1]);
        return;
      }
    }
    const trimmed = line.trimStart();
    if (START.test(trimmed)) {
      this.#indent = line.slice(0, line.length - trimmed.length);
      this.#msg = [trimmed];
      this.#msgLine = this.#lineNo;
      this.#msgCtx = this.#ctx;
      this.#ctx = {};
      this.#inBody = false;
      this.#bodyLeft = -1;
      return;
    }
    if (!this.#isContext(line)) this.otherLines++;
  }

  #flush(): void {
    const lines = this.#msg;
    this.#msg = undefined;
    if (lines === undefined) return;
    // Logs print LF line ends; SIP wants CRLF. Trailing blank lines are log spacing, not body.
    const sep = lines.indexOf('');
    const head = sep < 0 ? lines : lines.slice(0, sep);
    const body = sep < 0 ? [] : lines.slice(sep + 1);
    while (body.length > 0 && body[body.length - 1] === '') body.pop();
    const text = `${head.join('\r\n')}\r\n\r\n${body.length > 0 ? `${body.join('\r\n')}\r\n` : ''}`;
    const c = this.#msgCtx;
    this.#sink({
      at: c.at ?? 0,
      src: c.src ?? 'local',
      dst: c.dst ?? 'local',
      transport: c.transport ?? 'UDP',
      bytes: Buffer.from(text, 'utf8'),
      line: this.#msgLine,
    });
  }

  /** Reads time and addresses from a non-message line into the pending context. */
  #isContext(line: string): boolean {
    let m = /^(\d{4})[/-](\d{2})[/-](\d{2})[ T](\d{2}):(\d{2}):(\d{2}(?:\.\d+)?)\S*\s+(\S+)\s+->\s+(\S+)/.exec(line);
    if (m !== null) {
      // sngrep
      const a = address(m[7]);
      const b = address(m[8]);
      this.#ctx = { at: Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) + Number(m[6]) * 1000, ...(a ? { src: a.addr } : {}), ...(b ? { dst: b.addr } : {}) };
      return true;
    }
    m = /^(recv|send) \d+ bytes (?:from|to) (\S+) at (\d{2}):(\d{2}):(\d{2}(?:\.\d+)?):?\s*$/.exec(line);
    if (m !== null) {
      // FreeSWITCH sofia siptrace
      const a = address(m[2]);
      const at = this.#timeOfDay(+m[3], +m[4], Number(m[5]));
      this.#ctx = m[1] === 'recv' ? { at, src: a?.addr, dst: 'local', transport: a?.transport } : { at, src: 'local', dst: a?.addr, transport: a?.transport };
      this.#clean();
      return true;
    }
    m = /(?:SIP read from|Received SIP (?:request|response) \(\d+ bytes\) from) (\S+?)\s*--->/.exec(line);
    if (m !== null) {
      const a = address(m[1]);
      const at = this.#anyTimestamp(line) ?? this.#ctx.at;
      this.#ctx = { ...this.#ctx, at, src: a?.addr, dst: 'local', transport: a?.transport };
      this.#clean();
      return true;
    }
    m = /(?:Transmitting SIP (?:request|response) \(\d+ bytes\) to|Transmitting \([^)]*\) to) (\S+?)\s*(?:--->|:?\s*$)/.exec(line);
    if (m !== null) {
      const a = address(m[1]);
      const at = this.#anyTimestamp(line) ?? this.#ctx.at;
      this.#ctx = { ...this.#ctx, at, src: 'local', dst: a?.addr, transport: a?.transport };
      this.#clean();
      return true;
    }
    m = /^(time|proto|srcip|srcport|dstip|dstport|date|tag|pid|process):\s*(.*)$/.exec(line);
    if (m !== null) {
      // Kamailio sipdump
      const v = m[2].trim();
      const c = this.#ctx;
      if (m[1] === 'time' && /^\d+(\.\d+)?$/.test(v)) c.at = Number(v) * 1000;
      else if (m[1] === 'proto') c.transport = v.split(/\s+/)[0].toUpperCase();
      else if (m[1] === 'srcip') c.src = v;
      else if (m[1] === 'dstip') c.dst = v;
      else if (m[1] === 'srcport' && c.src !== undefined) c.src = hostPort(c.src, v);
      else if (m[1] === 'dstport' && c.dst !== undefined) c.dst = hostPort(c.dst, v);
      return true;
    }
    const at = this.#anyTimestamp(line);
    if (at !== undefined) {
      this.#ctx = { ...this.#ctx, at };
      return true;
    }
    return DELIMITER.test(line.trim());
  }

  #clean(): void {
    for (const k of ['at', 'src', 'dst', 'transport'] as const) if (this.#ctx[k] === undefined) delete this.#ctx[k];
  }

  #timeOfDay(h: number, m: number, s: number): number {
    const r = this.#reference;
    return Date.UTC(r.getUTCFullYear(), r.getUTCMonth(), r.getUTCDate(), h, m) + s * 1000;
  }

  #anyTimestamp(line: string): number | undefined {
    let m = /(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(line);
    if (m !== null) return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) + Number(m[6]) * 1000;
    m = /\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2}(?:\.\d+)?)/i.exec(line);
    if (m !== null) {
      const month = MONTHS.indexOf(m[1].toLowerCase());
      return Date.UTC(this.#reference.getUTCFullYear(), month, +m[2], +m[3], +m[4]) + Number(m[5]) * 1000;
    }
    return undefined;
  }
}
