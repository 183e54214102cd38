import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sdp, sipRequest, sipResponse } from './support/packets.js';
import { analyzeBytes } from './support/run.js';

const REF = Date.UTC(2026, 0, 23);
const lf = (crlf: string): string => crlf.replace(/\r\n/g, '\n');
const indent = (text: string, pad: string): string => text.split('\n').map((l) => pad + l).join('\n');

test('sngrep "save as txt": timestamps and both addresses before each message', async () => {
  const log =
    `2026/01/23 09:24:59.123456 10.0.0.1:5060 -> 10.0.0.2:5060\n${lf(sipRequest('INVITE', 'sng@x', { sdp: sdp('10.0.0.1', 4000) }))}\n\n` +
    `2026/01/23 09:25:00.000001 10.0.0.2:5060 -> 10.0.0.1:5060\n${lf(sipResponse(486, 'Busy Here', 'INVITE', 'sng@x'))}\n\n`;
  const r = await analyzeBytes(Buffer.from(log), { referenceDate: REF });
  assert.equal(r.summary.files[0].format, 'text');
  const [inv, busy] = r.calls[0].messages;
  assert.equal(r.calls[0].source, 'log');
  assert.equal(inv.at, Date.UTC(2026, 0, 23, 9, 24, 59) + 123.456);
  assert.equal(inv.src, '10.0.0.1:5060');
  assert.equal(inv.dst, '10.0.0.2:5060');
  assert.equal(inv.sdp?.media[0].port, 4000);
  assert.equal(inv.parseError, undefined, 'the body is framed by Content-Length');
  assert.equal(busy.status, 486);
});

test('Asterisk chan_sip and pjsip debug output: direction from "read from" / "Transmitting", time from the log line', async () => {
  const log =
    `[Jan 23 09:00:01] VERBOSE[1234] chan_sip.c: \n<--- SIP read from UDP:10.0.0.5:5060 --->\n${lf(sipRequest('INVITE', 'ast@x'))}<------------->\n` +
    `[Jan 23 09:00:02] VERBOSE[1234] chan_sip.c: \n<--- Transmitting (no NAT) to 10.0.0.5:5060 --->\n${lf(sipResponse(100, 'Trying', 'INVITE', 'ast@x'))}\n<------------>\n` +
    `[Jan 23 09:00:03] VERBOSE[1235][C-00000001] res_pjsip_logger.c: <--- Transmitting SIP response (500 bytes) to UDP:10.0.0.5:5060 --->\n${lf(sipResponse(180, 'Ringing', 'INVITE', 'ast@x'))}\n` +
    `[Jan 23 09:00:04] VERBOSE[1235] res_pjsip_logger.c: <--- Received SIP request (400 bytes) from UDP:10.0.0.5:5060 --->\n${lf(sipRequest('CANCEL', 'ast@x'))}\n`;
  const r = await analyzeBytes(Buffer.from(log), { referenceDate: REF });
  const msgs = r.calls[0].messages;
  assert.deepEqual(msgs.map((m) => m.status ?? m.method), ['INVITE', 100, 180, 'CANCEL']);
  assert.deepEqual(msgs.map((m) => `${m.src}>${m.dst}`), ['10.0.0.5:5060>local', 'local>10.0.0.5:5060', 'local>10.0.0.5:5060', '10.0.0.5:5060>local']);
  assert.equal(msgs[0].at, Date.UTC(2026, 0, 23, 9, 0, 1));
  assert.equal(msgs[3].at, Date.UTC(2026, 0, 23, 9, 0, 4));
});

test('FreeSWITCH sofia siptrace: indented messages between dashed lines, time of day on the recv/send line', async () => {
  const dashes = '   ' + '-'.repeat(72);
  const log =
    `recv 1000 bytes from udp/[10.0.0.7]:5060 at 09:10:11.250000:\n${dashes}\n${indent(lf(sipRequest('INVITE', 'fs@x', { sdp: sdp('10.0.0.7', 16384) })), '   ')}\n${dashes}\n` +
    `send 400 bytes to udp/[10.0.0.7]:5060 at 09:10:11.260000:\n${dashes}\n${indent(lf(sipResponse(200, 'OK', 'INVITE', 'fs@x', { sdp: sdp('10.0.0.9', 20000) })), '   ')}\n${dashes}\n`;
  const r = await analyzeBytes(Buffer.from(log), { referenceDate: REF });
  const msgs = r.calls[0].messages;
  assert.equal(msgs.length, 2);
  assert.equal(msgs[0].src, '10.0.0.7:5060');
  assert.equal(msgs[0].dst, 'local');
  assert.equal(msgs[0].at, Date.UTC(2026, 0, 23, 9, 10, 11) + 250);
  assert.equal(msgs[0].sdp?.media[0].port, 16384);
  assert.equal(msgs[1].status, 200);
  assert.equal(msgs[1].sdp?.connectionAddress, '10.0.0.9');
  assert.equal(msgs[1].parseError, undefined);
});

test('Kamailio sipdump text: key/value header, message between ~~~ and |||', async () => {
  const log =
    `====================\ntag: rcv\npid: 4242\nprocess: 1\ntime: 1769160299.500000\ndate: Fri Jan 23 09:24:59 2026\nproto: udp ipv4\nsrcip: 192.0.2.1\nsrcport: 5060\ndstip: 192.0.2.2\ndstport: 5070\n~~~~~~~~~~~~~~~~~~~~\n${lf(sipRequest('OPTIONS', 'kam@x'))}||||||||||||||||||||\n`;
  const r = await analyzeBytes(Buffer.from(log));
  const m = r.calls[0].messages[0];
  assert.equal(m.method, 'OPTIONS');
  assert.equal(m.src, '192.0.2.1:5060');
  assert.equal(m.dst, '192.0.2.2:5070');
  assert.equal(m.at, 1769160299500);
  assert.equal(m.transport, 'UDP');
});

test('a log with CRLF line ends and no context lines still yields its messages', async () => {
  const log = `some banner line\r\n${sipRequest('REGISTER', 'plain@x')}\r\n${sipResponse(401, 'Unauthorized', 'REGISTER', 'plain@x')}\r\n`;
  const r = await analyzeBytes(Buffer.from(log), {}, 7);
  assert.deepEqual(r.calls[0].messages.map((m) => m.status ?? m.method), ['REGISTER', 401]);
  assert.equal(r.calls[0].messages[0].src, 'local');
});
