import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundle, tarGz } from '../../src/bundle/index.js';
import type { CallRecord, TraceEntry } from '../../src/store/index.js';
import { peerSkip } from '../support/peers.js';

// The archive itself, read back by the system's tar and tshark: POSIX ustar long names, exact
// bytes, and a bundle of a call the edge refused before it knew the trunk (no trunk, no preflight).

test('a ustar entry whose path is over 100 bytes is split into prefix and name, and tar reads every byte back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-tar-'));
  try {
    const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/file-${'f'.repeat(80)}.txt`;
    const data = Buffer.alloc(1024 + 7, 0xab); // crosses block boundaries, ends mid-block
    const file = join(dir, 'a.tar.gz');
    writeFileSync(file, await tarGz([{ name: 'top/', mtime: 0 }, { name: `top/${long}`, data, mtime: Date.UTC(2026, 0, 23) }]));
    assert.deepEqual(execFileSync('tar', ['tzf', file], { encoding: 'utf8' }).trim().split('\n'), ['top/', `top/${long}`]);
    assert.deepEqual(execFileSync('tar', ['xzOf', file, `top/${long}`]), data);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the bundle of a call refused before a trunk was identified says so, and its rebuilt pcap keeps IPv6 addresses and the exact bytes', { skip: peerSkip('tshark') }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-bundle-unit-'));
  try {
    const invite = 'INVITE sip:+919876540000@demo.pstn.localhost SIP/2.0\r\nVia: SIP/2.0/UDP [::1]:5062;branch=z9hG4bK1\r\nFrom: "Andr\u00e9" <sip:+919876543210@demo.pstn.localhost>;tag=1\r\nTo: <sip:+919876540000@demo.pstn.localhost>\r\nCall-ID: refused-1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n';
    const answer = 'SIP/2.0 403 Forbidden\r\nVia: SIP/2.0/UDP [::1]:5062;branch=z9hG4bK1;received=::1\r\nFrom: "Andr\u00e9" <sip:+919876543210@demo.pstn.localhost>;tag=1\r\nTo: <sip:+919876540000@demo.pstn.localhost>;tag=2\r\nCall-ID: refused-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';
    const trace: TraceEntry[] = [
      { at: '2026-01-23T09:24:59.100Z', leg: 'customer', direction: 'in', transport: 'udp', src: '[::1]:5062', dst: '[::1]:5070', summary: invite.split('\r\n')[0], message: invite },
      { at: '2026-01-23T09:24:59.102Z', leg: 'customer', direction: 'out', transport: 'udp', src: '[::1]:5070', dst: '[::1]:5062', summary: answer.split('\r\n')[0], message: answer },
    ];
    const record: CallRecord = {
      call_sid: 'a'.repeat(32), account_sid: null, trunk_sid: null, direction: 'outbound', from: '+919876543210', to: '+919876540000', source_address: '[::1]:5062',
      transport: 'udp', sip_call_id: 'refused-1', status: 'refused', started_at: '2026-01-23T09:24:59Z', answered_at: null, ended_at: '2026-01-23T09:24:59Z',
      final_code: 403, final_reason: 'Forbidden', final_by: 'edge', end_cause: null, edge_cause: 'source-not-whitelisted', duration_s: null, setup_ms: null,
      findings: [], events: [], trace, media: null, node_id: null,
    };
    const bundle = await buildBundle(record, {
      trunkBySid: () => Promise.resolve(undefined), latestPreflight: () => Promise.resolve(undefined),
      pcapPath: () => join(dir, 'none.pcap'), renderLadder: (t) => t.map((e) => e.summary).join('\n'),
    }, { now: Date.UTC(2026, 0, 23, 10), timeZone: 'Asia/Kolkata' });
    assert.equal(bundle.summary.ticket.start_time_local, '2026-01-23T14:54:59+05:30');
    assert.equal(bundle.summary.trunk, null);
    assert.equal(bundle.summary.preflight, null);
    const file = join(dir, bundle.fileName);
    writeFileSync(file, bundle.bytes);
    execFileSync('tar', ['xzf', file, '-C', dir]);
    const root = join(dir, `trunkline-bundle-${record.call_sid}`);
    assert.match(readFileSync(join(root, 'summary.txt'), 'utf8'), /Trunk SID +\(none: refused before a trunk was identified\)/);
    // The messages file holds the bytes that crossed the wire (latin1 é, not re-encoded).
    assert.ok(readFileSync(join(root, 'sip', 'messages.txt')).includes(Buffer.from(invite, 'latin1')));
    const pcap = join(root, 'capture', `${record.call_sid}.rebuilt-from-trace.pcap`);
    const fields = execFileSync('tshark', ['-r', pcap, '-T', 'fields', '-e', 'ipv6.src', '-e', 'sip.Status-Code', '-e', 'sip.Method'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    assert.deepEqual(fields.replace(/\n$/, '').split('\n').map((l) => l.split('\t')), [['::1', '', 'INVITE'], ['::1', '403', '']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
