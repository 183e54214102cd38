import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { diagnoseCaptureFiles, renderHtml } from '../../src/analyzer/index.js';
import type { DiagnoseReport } from '../../src/analyzer/index.js';

// B2BUA legs linked into one call, through `trunkline diagnose`: b2bua-busy.pcap is a SIPp B2BUA
// (3PCC twins) between SIPp caller and callee (test/fixtures/SOURCES.md); the corpus capture is
// Asterisk bridging two phones.
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const FIXTURE = 'test/fixtures/captures/b2bua-busy.pcap';
const CORPUS = '../shared/corpus/pcaps';

function cli(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000, maxBuffer: 32 << 20 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

test('two Call-IDs through an SBC are one call: the callee\'s 486 failed first, the caller\'s 486 was only relayed', async () => {
  const r = JSON.parse(await cli('diagnose', FIXTURE, '--json')) as DiagnoseReport;
  assert.equal(r.linked_calls.length, 1);
  const g = r.linked_calls[0];
  const a = r.calls.find((c) => !c.call_id.startsWith('bleg-'));
  const b = r.calls.find((c) => c.call_id.startsWith('bleg-'));
  assert.ok(a && b);
  assert.deepEqual(g.legs, [a.call_id, b.call_id]);
  assert.equal(g.hops[0].via, '127.0.0.78');
  assert.match(g.hops[0].linked_by.join('; '), /a header of its INVITE carries the other leg's Call-ID/);
  assert.match(g.hops[0].linked_by.join('; '), /same called number 2302/);
  assert.deepEqual([g.failed_first?.call_id, g.failed_first?.code, g.failed_first?.by], [b.call_id, 486, '127.0.0.80:5070']);
  assert.deepEqual(g.relayed.map((x) => [x.call_id, x.code]), [[a.call_id, 486]]);
  assert.deepEqual(a.findings.map((f) => f.id), ['legs.relayed-failure']);
  assert.match(a.findings[0].evidence.join('\n'), /only passed it on/);
  assert.ok(b.findings.some((f) => f.id === 'sip.486'), 'the leg that failed keeps its own finding');
  // One ladder over both legs: four lanes, the B-leg's 486 before the A-leg's.
  const text = await cli('diagnose', FIXTURE, '--call', a.call_id);
  const merged = text.slice(text.indexOf('Every leg of this call, hop by hop'));
  assert.match(merged, /127\.0\.0\.77:5060 +127\.0\.0\.78:5070 +127\.0\.0\.78:5072 +127\.0\.0\.80:5070/);
  assert.ok(merged.indexOf('◀──────── 486 Busy Here') > merged.indexOf('── INVITE (SDP) ─────────▶', merged.indexOf('127.0.0.80:5070')));
  assert.match(merged, /failed first: bleg-.* — 486 from 127\.0\.0\.80:5070\n +only relayed: 1-/);
  assert.match(renderHtml(r), /Failed first:/);
});

test('Asterisk bridging two phones: the legs are linked by the caller and the relayed 200; nothing failed', { skip: existsSync(CORPUS) ? false : `${CORPUS} is not present` }, async () => {
  // tshark: telephone1 → 172.16.98.101 INVITE 2302 (Call-ID M2Q0…); 4 ms later 172.16.98.101 → 172.16.98.145
  // INVITE telephone2 from telephone1 (Call-ID 37686afc…); 200 at 19.1008 s on the B-leg, 19.1053 s on the A-leg.
  const r = await diagnoseCaptureFiles([`${CORPUS}/goffinet__sip-2phones-B2BUA-Asterisk.pcapng`]);
  assert.equal(r.linked_calls.length, 1);
  assert.deepEqual(r.linked_calls[0].legs, ['M2Q0ZDc1ZGM1NzIyMTlhZTA3NDU3NTgzMzA5YmJmZWQ.', '37686afc57ce24ac655742b3644a7bb8@172.16.98.101:5060']);
  assert.match(r.linked_calls[0].hops[0].linked_by.join('; '), /same caller telephone1; 200 on one leg and 200 on the other 5 ms apart/);
  assert.equal(r.linked_calls[0].failed_first, undefined);
});
