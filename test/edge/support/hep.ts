import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PcapWriter } from '../../../src/media/index.js';

const run = promisify(execFile);
// Wireshark 4.0 has no HEP dissector: a small Lua one (hep3.lua) hands the payload to tshark's SIP dissector.
const HEP_LUA = new URL('../../../../test/edge/support/hep3.lua', import.meta.url).pathname;

/** A HEP3 packet's chunks read straight from the bytes: 11 protocol type, 15 payload, 17 correlation id, and the addresses. */
export interface HepChunks {
  readonly type: number;
  readonly payload: string;
  readonly correlation?: string;
  readonly src: string;
  readonly dst: string;
  /** Chunks 9 and 10 (timestamp seconds, microseconds), in ms since the epoch. */
  readonly at: number;
}

export function chunks(d: Buffer): HepChunks {
  let type = -1;
  let payload = '';
  let correlation: string | undefined;
  let srcIp = '';
  let dstIp = '';
  let srcPort = 0;
  let dstPort = 0;
  let seconds = 0;
  let micros = 0;
  for (let q = 6; q + 6 <= d.readUInt16BE(4);) {
    const t = d.readUInt16BE(q + 2);
    const len = d.readUInt16BE(q + 4);
    const v = d.subarray(q + 6, q + len);
    if (t === 3) srcIp = [...v].join('.');
    if (t === 4) dstIp = [...v].join('.');
    if (t === 7) srcPort = v.readUInt16BE(0);
    if (t === 8) dstPort = v.readUInt16BE(0);
    if (t === 9) seconds = v.readUInt32BE(0);
    if (t === 10) micros = v.readUInt32BE(0);
    if (t === 11) type = v[0];
    if (t === 15) payload = v.toString('latin1');
    if (t === 17) correlation = v.toString();
    q += len;
  }
  const base = { type, payload, src: `${srcIp}:${srcPort}`, dst: `${dstIp}:${dstPort}`, at: seconds * 1000 + micros / 1000 };
  return correlation === undefined ? base : { ...base, correlation };
}

/** A SIP message told apart from the others of its call (the edge traces a request before the stack adds its Via). */
export function keyOf(sip: string): string {
  const h = (re: RegExp) => re.exec(sip)?.[1]?.trim() ?? '';
  return [sip.split('\r\n', 1)[0], callIdOf(sip), h(/\r\nCSeq\s*:([^\r]+)/i)].join(' ~ ');
}

export function callIdOf(sip: string): string {
  return /\r\n(?:Call-ID|i)\s*:([^\r]+)/i.exec(sip)?.[1]?.trim() ?? '';
}

/** A loopback socket playing Homer: every datagram it caught, in order. */
export async function hepCollector(): Promise<{ socket: Socket; caught: Buffer[]; target: string }> {
  // HEP is UDP: a collector in a test process that is also flooding serve (queue-wait-trace) must
  // not drop what serve exports. The default buffer (~208 KB, ~200 datagrams) overflowed once in a
  // fresh clone's CI (2026-12-07: one INVITE copy traced but missing in HEP); Linux caps this at
  // net.core.rmem_max.
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  const caught: Buffer[] = [];
  socket.on('message', (m) => caught.push(m));
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return { socket, caught, target: `127.0.0.1:${socket.address().port}` };
}

/** tshark's reading of HEP datagrams (sent to UDP 9060 in a pcap): correlation id and SIP Call-ID of each SIP packet. */
export async function tsharkSip(datagrams: readonly Buffer[], dir: string): Promise<string[][]> {
  const pcap = join(dir, 'hep.pcap');
  const w = new PcapWriter(pcap);
  for (const d of datagrams) w.writeUdp(Date.now(), '127.0.0.1', 40000, '127.0.0.1', 9060, d);
  await w.close();
  return (await run('tshark', ['-X', `lua_script:${HEP_LUA}`, '-r', pcap, '-Y', 'sip', '-T', 'fields', '-e', 'hep3.correlation_id', '-e', 'sip.Call-ID', '-e', 'sip.CSeq.method']))
    .stdout.trim().split('\n').map((l) => l.split('\t'));
}
