import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { findPeer, peerSkip } from '../support/peers.js';

// Where the capture stood, in the HTML report as Chromium lays it out: loss-upstream.pcap was taken
// in a router next to the callee (the caller's packets arrive routed once, TTL 63), and
// tcp-gap.pcapng lost the frame carrying the 200 OK. The page must say, visibly, how far each SIP
// sender was, where the capture sat on each RTP stream, which TCP connection lost how many bytes
// and which call that touched — and that call's outcome is unknown, not failed.
const CHROMIUM = findPeer('chromium') ?? 'chromium';
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const FIXTURES = ['test/fixtures/captures/loss-upstream.pcap', 'test/fixtures/captures/tcp-gap.pcapng'];

interface Report {
  summary: { capture_point: { address: string; hops: number }[]; tcp_gaps: { src: string; dst: string; bytes: number; call_ids: string[] }[] };
  calls: { call_id: string; state: string; streams: { src: string; dst: string }[] }[];
}

function run(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr }),
    );
  });
}

test('the HTML report shows where the capture stood: routers per SIP sender, the capture position per RTP stream, and each TCP gap with the calls it cut', { skip: peerSkip('chromium') }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-html-cp-'));
  const out = join(dir, 'report.html');
  const json = await run(['diagnose', ...FIXTURES, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as Report;
  assert.equal(report.summary.tcp_gaps.length, 1);
  const html = await run(['diagnose', ...FIXTURES, '--html', out]);
  assert.equal(html.code, 0, html.stderr);
  assert.doesNotMatch(readFileSync(out, 'utf8'), /<script|<link\b|\bsrc="https?:/);

  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(pathToFileURL(out).href, { waitUntil: 'load', timeout: 20_000 });
    assert.ok(await page.locator('h2#capture-point').isVisible(), 'a "Where the capture stood" section');

    // One row per SIP sender, with its routers: 10.98.1.2 is 1 router away, 10.98.2.2 none.
    const senders = page.locator('table.capture-point tbody tr');
    assert.equal(await senders.count(), report.summary.capture_point.length);
    const routed = senders.filter({ hasText: '10.98.1.2' });
    assert.match(await routed.innerText(), /\b63\b[\s\S]*\b64\b[\s\S]*1 router\(s\)/);
    assert.match(await senders.filter({ hasText: '10.98.2.2' }).innerText(), /0 routers/);

    // Per stream: the caller's RTP reached the capture 1 router from its sender, next to its receiver.
    const upstream = report.calls.findIndex((c) => c.call_id.endsWith('@10.98.1.2'));
    assert.ok(upstream >= 0);
    const row = page.locator(`#call-${upstream} table.streams tbody tr`).filter({ hasText: '10.98.1.2:7000 → 10.98.2.2' });
    const cell = row.locator('td.capture-position');
    assert.ok(await cell.isVisible());
    assert.match(await cell.innerText(), /TTL 63, 1 router\(s\) from the sender, 0 from the receiver; nearer the receiver/);
    assert.match(await page.locator(`#call-${upstream} table.streams tbody tr`).filter({ hasText: '10.98.2.2:10000 →' }).locator('td.capture-position').innerText(), /nearer the sender/);

    // The TCP gap: which connection, how many bytes, which call — linked to that call's section.
    const gap = page.locator('table.tcp-gaps tbody tr');
    assert.equal(await gap.count(), 1);
    const text = await gap.innerText();
    assert.match(text, /127\.0\.0\.78:5070 → 127\.0\.0\.77:5060/);
    assert.match(text, /\b578\b/);
    const cut = report.summary.tcp_gaps[0].call_ids[0];
    const i = report.calls.findIndex((c) => c.call_id === cut);
    assert.equal(await gap.locator(`a[href="#call-${i}"]`).innerText(), cut);

    // That call is unknown (TCP gap) in the call table and in its section, never failed.
    assert.equal(report.calls[i].state, 'unknown');
    const callRow = page.locator('table.calls tbody tr').filter({ hasText: cut });
    assert.match(await callRow.innerText(), /unknown \(TCP gap\)/);
    assert.doesNotMatch(await callRow.innerText(), /failed|timed-out/);
    assert.match(await page.locator(`#call-${i} p.state-because`).innerText(), /outcome is unknown — not a failure \(finding capture\.tcp-gap\)/);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
