import { isIP } from 'node:net';
import { udpFrame } from '../media/index.js';
import { onTheWireAt, type TraceEntry } from '../store/index.js';

/**
 * A pcap of the call's SIP built from its stored trace, for calls that were not recorded: each
 * message as a UDP datagram between the addresses it crossed, at its recorded time (classic
 * pcap, LINKTYPE_ETHERNET, as src/media's recorder writes). Messages that went over TCP or TLS
 * are written as UDP too (their bytes are whole messages already): the file says what was said,
 * not how the stream was segmented, which is why its name and the summary call it rebuilt.
 */
function endpoint(text: string): { ip: string; port: number } {
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  if (v6) return { ip: v6[1], port: Number(v6[2]) };
  const v4 = /^([^:]+):(\d+)$/.exec(text);
  if (v4 && isIP(v4[1])) return { ip: v4[1], port: Number(v4[2]) };
  if (isIP(text)) return { ip: text, port: 5060 };
  // An unparseable address still gets a frame, from TEST-NET-1 (RFC 5737), so no message is lost.
  return { ip: '192.0.2.1', port: 5060 };
}

/** The trace keeps each message as a latin1 string of its bytes (src/edge call records): latin1 gives the bytes back. */
export function pcapFromTrace(trace: readonly TraceEntry[]): Buffer {
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0); // microsecond timestamps, host order little-endian
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  const records: Buffer[] = [global];
  // In the order a capture on the host would hold them: a message that waited in serve's receive
  // queue crossed the network before what the edge sent while it waited.
  const onTheWire = trace.map((t, i) => ({ t, i, at: onTheWireAt(t) })).sort((a, b) => a.at - b.at || a.i - b.i);
  for (const { t, at } of onTheWire) {
    const src = endpoint(t.src);
    const dst = endpoint(t.dst);
    // A v4/v6 mix cannot share one IP header: the v4 side is written v4-mapped (RFC 4291 §2.5.5.2).
    const frame = udpFrame(src.ip, src.port, dst.ip, dst.port, Buffer.from(t.message, 'latin1'));
    const micros = Math.round(at * 1000);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(micros / 1e6), 0);
    rec.writeUInt32LE(micros % 1e6, 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    records.push(rec, frame);
  }
  return Buffer.concat(records);
}
