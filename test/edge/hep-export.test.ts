import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { peerSkip } from '../support/peers.js';
import { chunks, keyOf, tsharkSip } from './support/hep.js';
import { RawUac, pcmaOffer } from './support/raw-uac.js';
import { serve } from './support/serve.js';
import { CALLER, pbxTrunk } from './support/cluster.js';
import { rtpPacket, sleep, tone } from './media-live-support.js';

const run = promisify(execFile);
const MAIN = new URL('../../src/cli/main.js', import.meta.url).pathname;

// Issue 15: serve --hep sends every SIP message on the wire (each one the call record traces among them), on both legs, as HEP3 with
// the call sid as correlation id, and a quality report per RTP stream when the call ends.
// A loopback socket plays Homer; what it caught is read back by `trunkline diagnose` (a raw
// HEP3 file) and by tshark (the datagrams to UDP 9060 in a pcap).
test('serve --hep: every SIP message of a call, both legs, reaches the HEP collector with the call sid as correlation id; diagnose and tshark read the calls from it; the PBX\'s RTCP and the relay\'s end-of-call report go as RTCP JSON', async (t) => {
  const collector = createSocket('udp4');
  const caught: Buffer[] = [];
  collector.on('message', (m) => caught.push(m));
  collector.bind(0, '127.0.0.1');
  await once(collector, 'listening');
  const s = await serve(['--hep', `127.0.0.1:${collector.address().port}`, '--node-id', 'hep-node']);
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: s.sip }).open();
  const pbxRtp = createSocket('udp4');
  pbxRtp.bind(0, '127.0.0.1');
  await once(pbxRtp, 'listening');
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-hep-'));
  try {
    const trunk = await pbxTrunk(s, 'pbx_hep');
    const inv = pbx.invite({ ruri: `sip:+919876540000@${trunk.domain}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer('127.0.0.1', pbxRtp.address().port) });
    const ok = await inv.waitFinal(8000);
    assert.equal(ok.status, 200, ok.raw);
    await pbx.ack(inv, ok);
    const sid = ok.header('x-trunkline-call-sid')!;
    const relayPort = Number(/m=audio (\d+)/.exec(ok.body)?.[1]);
    for (let seq = 0; seq < 25; seq++) {
      pbxRtp.send(rtpPacket(seq, 0x4e9e0001, tone), relayPort, '127.0.0.1');
      await sleep(20);
    }
    // RFC 3550 §6.4.2: the PBX's receiver report about a stream (fraction lost 64/256, 10 lost, jitter 80).
    const rr = Buffer.alloc(32);
    rr.writeUInt8(0x81, 0);
    rr.writeUInt8(201, 1);
    rr.writeUInt16BE(7, 2);
    rr.writeUInt32BE(0x4e9e0001, 4);
    rr.writeUInt32BE(0x12345678, 8);
    rr.writeUInt32BE((64 << 24) | 10, 12);
    rr.writeUInt32BE(1000, 16);
    rr.writeUInt32BE(80, 20);
    pbxRtp.send(rr, relayPort + 1, '127.0.0.1');
    for (let i = 0; i < 50 && !caught.some((d) => chunks(d).type === 5); i++) await sleep(100);
    assert.equal((await pbx.request(inv, 'BYE')).status, 200);
    // The relay's quality reports are sent when the call ends; the trace is complete by then.
    for (let i = 0; i < 100 && !caught.some((d) => chunks(d).type === 5 && d.includes('"call_sid"')); i++) await sleep(100);
    const trace = await s.api<{ messages: { leg: string; message: string }[] }>('GET', `/v2/accounts/${s.account}/calls/${sid}/trace`);
    // One snapshot for every reader below: a late retransmission must not make them disagree.
    const snapshot = [...caught];
    const messages = trace.json.response.data.messages;
    assert.deepEqual([...new Set(messages.map((m) => m.leg))].sort(), ['carrier', 'customer']);
    // Every message on the call's record went out as HEP with the call sid (and the last 200 to
    // the far leg's BYE too, which arrives after the final record is written).
    const ofSid = snapshot.filter((d) => chunks(d).type === 1 && chunks(d).correlation === sid).map((d) => d.toString('latin1'));
    assert.ok(ofSid.length >= messages.length, `${ofSid.length} HEP packets for ${messages.length} traced messages`);
    // HEP carries the bytes as they crossed the wire; the trace holds the parsed message re-serialized.
    const heps = snapshot.filter((d) => chunks(d).type === 1 && chunks(d).correlation === sid).map((d) => keyOf(chunks(d).payload));
    for (const m of messages) assert.ok(heps.includes(keyOf(m.message)), `HEP carries ${keyOf(m.message)}: ${heps.join(' | ')}`);
    const callIds = [...new Set(messages.map((m) => /\r\nCall-ID: ([^\r]+)/i.exec(m.message)?.[1]))];
    assert.equal(callIds.length, 2, 'two legs, two Call-IDs');
    type Rtcp = { type: number; ssrc: number; call_sid?: string; report_blocks: { source_ssrc: number; fraction_lost: number; packets_lost: number; ia_jitter: number }[] };
    const reports = snapshot.filter((d) => chunks(d).type === 5 && chunks(d).correlation === sid).map((d) => JSON.parse(d.subarray(d.indexOf('{"type"')).toString()) as Rtcp);
    // The PBX's own RTCP, as it crossed the relay…
    const peer = reports.find((r) => r.ssrc === 0x4e9e0001);
    assert.ok(peer, JSON.stringify(reports));
    assert.equal(peer.type, 201);
    assert.deepEqual(peer.report_blocks.map((b) => [b.source_ssrc, b.fraction_lost, b.packets_lost, b.ia_jitter]), [[0x12345678, 64, 10, 80]]);
    // …and the relay's own report on the PBX's RTP stream when the call ended.
    const relay = reports.find((r) => r.call_sid === sid && r.report_blocks[0].source_ssrc === 0x4e9e0001);
    assert.ok(relay, JSON.stringify(reports));
    assert.equal(relay.report_blocks[0].packets_lost, 0);

    // trunkline diagnose reads the datagrams as a raw HEP3 file.
    const hepFile = join(dir, 'calls.hep');
    writeFileSync(hepFile, Buffer.concat(snapshot));
    const diagnosed = JSON.parse((await run(process.execPath, [MAIN, 'diagnose', hepFile, '--json'])).stdout) as { files: { format: string }[]; calls: { call_id: string; messages: unknown[] }[] };
    assert.equal(diagnosed.files[0].format, 'hep');
    for (const id of callIds) {
      const call = diagnosed.calls.find((c) => c.call_id === id);
      assert.ok(call, `diagnose found Call-ID ${id}`);
      assert.equal(call.messages.length, ofSid.filter((d) => d.includes(`Call-ID: ${id}\r\n`)).length);
    }

    // tshark reads the same datagrams, sent to UDP 9060, through a HEP3 dissector into its SIP dissector.
    const skip = peerSkip('tshark');
    if (skip) return void t.skip(skip);
    const fields = await tsharkSip(snapshot, dir);
    const ofCall = fields.filter(([corr]) => corr === sid);
    // On a mismatch the message names what each side saw (a count alone was seen once as 11 vs 10 under load).
    assert.equal(ofCall.length, ofSid.length, `tshark decodes every message of the call as SIP; tshark: ${JSON.stringify(ofCall)}; sent: ${JSON.stringify(ofSid.map((d) => d.slice(d.indexOf('\r\n') - 60, d.indexOf('\r\n'))))}`);
    assert.deepEqual([...new Set(ofCall.map(([, id]) => id))].sort(), [...callIds].sort());
  } finally {
    collector.close();
    pbxRtp.close();
    await pbx.close();
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
