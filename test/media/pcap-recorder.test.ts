import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaRelay } from '../../src/media/index.js';
import { Peer, rtpPacket, until } from './rtp-peer.js';
import { engineRange, mediaEngines } from './engines.js';

for (const engine of mediaEngines()) {
describe(`${engine} engine`, () => {

  const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

  const sdp = (port: number) => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n`;
  const sipMessage = (start: string, cseq: string, toTag: string, body: string) => [
    start,
    'Via: SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bK-1',
    'From: <sip:+914012345678@127.0.0.1>;tag=a1',
    `To: <sip:+919876540000@pstn.localhost>${toTag}`,
    'Call-ID: pcap-test-1',
    `CSeq: ${cseq}`,
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '', body,
  ].join('\r\n');

  const INVITE = [
    'INVITE sip:+919876540000@pstn.localhost SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bK-1',
    'From: <sip:+914012345678@127.0.0.1>;tag=a1',
    'To: <sip:+919876540000@pstn.localhost>',
    'Call-ID: pcap-test-1',
    'CSeq: 1 INVITE',
    'Max-Forwards: 70',
    'Content-Length: 0',
    '', '',
  ].join('\r\n');

  async function recordCall(dir: string, withAnswer = false): Promise<{ file: string; legA: number; legB: number; peers: number[] }> {
    const relay = new MediaRelay({ engine, host: '127.0.0.1', portRange: engineRange('3700-3799', engine) });
    const session = await relay.createSession('CA-pcap');
    const file = join(dir, 'call.pcap');
    session.startRecording(file);
    const pbx = await Peer.open();
    const carrier = await Peer.open();
    session.setRemote('A', { address: '127.0.0.1', rtpPort: pbx.port });
    session.setRemote('B', { address: '127.0.0.1', rtpPort: carrier.port });
    session.recordSip({ srcIp: '127.0.0.1', srcPort: 5090, dstIp: '127.0.0.1', dstPort: 5070, data: INVITE });
    if (withAnswer) {
      session.recordSip({ srcIp: '127.0.0.1', srcPort: 5070, dstIp: '127.0.0.1', dstPort: 5090, data: sipMessage('SIP/2.0 200 OK', '1 INVITE', ';tag=b2', sdp(session.legA.rtpPort)) });
    }
    for (let i = 0; i < 10; i++) {
      await pbx.send(rtpPacket({ seq: i, ssrc: 0xa }), session.legA.rtpPort);
      await carrier.send(rtpPacket({ seq: i, ssrc: 0xb }), session.legB.rtpPort);
    }
    await until(() => pbx.received.length === 10 && carrier.received.length === 10, 'media both ways');
    const legs = { legA: session.legA.rtpPort, legB: session.legB.rtpPort, peers: [pbx.port, carrier.port] };
    await session.close();
    await Promise.all([pbx.close(), carrier.close(), relay.close()]);
    return { file, ...legs };
  }

  test('the per-call recorder writes a classic pcap: header, one record per packet in and out, plus SIP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trunkline-pcap-'));
    try {
      const { file } = await recordCall(dir);
      const buf = readFileSync(file);
      assert.equal(buf.readUInt32LE(0), 0xa1b2c3d4);
      assert.equal(buf.readUInt32LE(20), 1); // LINKTYPE_ETHERNET
      let records = 0;
      for (let off = 24; off < buf.length; off += 16 + buf.readUInt32LE(off + 8)) records++;
      assert.equal(records, 1 + 4 * 10); // SIP + (in + out) × 10 × 2 directions
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a recording stays open for the call\'s last SIP after its media closed, and a relay shutdown ends it at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trunkline-pcap-'));
    try {
      const relay = new MediaRelay({ engine, host: '127.0.0.1', portRange: engineRange('3800-3899', engine) });
      const session = await relay.createSession('CA-tail');
      const file = join(dir, 'tail.pcap');
      session.startRecording(file);
      session.recordSip({ srcIp: '127.0.0.1', srcPort: 5090, dstIp: '127.0.0.1', dstPort: 5070, data: INVITE });
      let recorded: { path: string; packets: number } | undefined;
      session.once('recorded', (r) => (recorded = r));
      await session.close('call ended', 60_000);
      assert.equal(relay.pool.stats().inUse, 0, 'the ports went back with the media');
      assert.equal(session.recording, true, 'the pcap is still open in its tail');
      // The far side's 200 to the BYE, after the media ended.
      session.recordSip({ srcIp: '127.0.0.1', srcPort: 5060, dstIp: '127.0.0.1', dstPort: 5070, data: sipMessage('SIP/2.0 200 OK', '2 BYE', ';tag=b2', '') });
      await relay.close();
      assert.equal(session.recording, false, 'shutdown does not wait for the tail');
      assert.deepEqual(recorded, { path: file, packets: 2 });
      const buf = readFileSync(file);
      let records = 0;
      for (let off = 24; off < buf.length; off += 16 + buf.readUInt32LE(off + 8)) records++;
      assert.equal(records, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('tshark reads the recording: SIP and both RTP legs', { skip: hasTshark ? false : 'tshark not installed' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trunkline-pcap-'));
    try {
      const { file, legA, legB, peers } = await recordCall(dir);
      const sip = execFileSync('tshark', ['-r', file, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Call-ID'], { encoding: 'utf8' });
      assert.equal(sip.trim(), 'pcap-test-1');
      // The peers' ephemeral ports can be ones Wireshark gives to another protocol (CI once drew one and half
      // the RTP read as something else), and a registered port wins over the RTP heuristic: name all four ports.
      const asRtp = [legA, legB, ...peers].flatMap((port) => ['-d', `udp.port==${port},rtp`]);
      const rtp = execFileSync('tshark', ['-r', file, ...asRtp, '-Y', 'rtp', '-T', 'fields', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'rtp.ssrc'], { encoding: 'utf8' });
      const rows = rtp.trim().split('\n');
      assert.equal(rows.length, 40);
      assert.equal(rows.filter((r) => r.includes(String(legA))).length, 20);
      assert.equal(rows.filter((r) => r.includes(String(legB))).length, 20);
      // No malformed frames: lengths and checksums are consistent.
      const expert = execFileSync('tshark', ['-r', file, '-Y', '_ws.malformed || _ws.expert.severity >= error'], { encoding: 'utf8' });
      assert.equal(expert.trim(), '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('trunkline diagnose reads the recording and ties the relayed RTP to the call', { skip: existsSync(cli) ? false : 'the CLI is not built next to the tests' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trunkline-pcap-'));
    try {
      const { file, legA } = await recordCall(dir, true);
      const out = JSON.parse(execFileSync(process.execPath, [cli, 'diagnose', '--json', file], { encoding: 'utf8' })) as {
        calls: { call_id: string; final_code: number; streams: { src: string; dst: string; packets: number }[] }[];
      };
      const call = out.calls.find((c) => c.call_id === 'pcap-test-1');
      assert.ok(call, 'the recorded call is found');
      assert.equal(call.final_code, 200);
      const onLegA = call.streams.filter((s) => s.src.endsWith(`:${legA}`) || s.dst.endsWith(`:${legA}`));
      assert.equal(onLegA.length, 2);
      assert.deepEqual(onLegA.map((s) => s.packets), [10, 10]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
}
