import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { findPeer, peerSkip } from '../support/peers.js';

// The HTML report of a real capture (two calls: the 401 loop and the RTP timeout), opened in
// Chromium: it renders without script or network, with one SVG ladder per call and one arrow per
// SIP message, and the findings visible. A screenshot is left in a temp folder for a human look
// (its path is printed).
const CHROMIUM = findPeer('chromium') ?? 'chromium';
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const FIXTURES = ['test/fixtures/captures/auth-401-loop.pcap', 'test/fixtures/captures/rtp-timeout.pcap'];

function run(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr }),
    );
  });
}

test('the HTML report renders in Chromium: an SVG ladder per call with an arrow per message, findings visible', { skip: peerSkip('chromium') }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-html-'));
  const out = join(dir, 'report.html');
  const json = await run(['diagnose', ...FIXTURES, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as { calls: { call_id: string; messages: unknown[]; findings: { title: string }[] }[] };
  const html = await run(['diagnose', ...FIXTURES, '--html', out]);
  assert.equal(html.code, 0, html.stderr);
  assert.doesNotMatch(readFileSync(out, 'utf8'), /<script|<link\b|\bsrc="https?:/, 'self-contained: no script, no external asset');

  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) external.push(r.url());
    });
    await page.goto(pathToFileURL(out).href, { waitUntil: 'load', timeout: 20_000 });
    const ladders = page.locator('svg.ladder');
    assert.equal(await ladders.count(), report.calls.length);
    for (let i = 0; i < report.calls.length; i++) {
      const section = page.locator(`#call-${i}`);
      assert.equal(await section.locator('svg.ladder g.msg').count(), report.calls[i].messages.length, `call ${i}: one arrow per message`);
      assert.equal(await section.locator('svg.ladder g.msg line, svg.ladder g.msg path').count(), report.calls[i].messages.length);
      // The SVG is laid out (not a zero-size box).
      const box = await section.locator('svg.ladder').boundingBox();
      assert.ok(box && box.width > 200 && box.height > 100, `ladder ${i} has a size`);
      for (const f of report.calls[i].findings) assert.ok(await section.getByText(f.title, { exact: false }).first().isVisible(), `finding "${f.title}" visible`);
    }
    assert.ok(report.calls.some((c) => c.findings.length > 0), 'the fixtures yield findings');
    assert.deepEqual(external, [], 'no network request');
    const shot = join(tmpdir(), `trunkline-report-${process.pid}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000, 'a screenshot was taken');
    process.stdout.write(`# screenshot: ${shot}\n`);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Where the capture stood, in the HTML report as Chromium lays it out: loss-upstream.pcap was taken
// in a router next to the callee (the caller's packets arrive routed once, TTL 63), and
// tcp-gap.pcapng lost the frame carrying the 200 OK. The page must say, visibly, how far each SIP
// sender was, where the capture sat on each RTP stream, which TCP connection lost how many bytes
// and which call that touched — and that call's outcome is unknown, not failed.
const CAPTURE_POINT_FIXTURES = ['test/fixtures/captures/loss-upstream.pcap', 'test/fixtures/captures/tcp-gap.pcapng'];

interface Report {
  summary: { capture_point: { address: string; hops: number }[]; tcp_gaps: { src: string; dst: string; bytes: number; call_ids: string[] }[] };
  calls: { call_id: string; state: string; streams: { src: string; dst: string }[] }[];
}

test('the HTML report shows where the capture stood: routers per SIP sender, the capture position per RTP stream, and each TCP gap with the calls it cut', { skip: peerSkip('chromium') }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-html-cp-'));
  const out = join(dir, 'report.html');
  const json = await run(['diagnose', ...CAPTURE_POINT_FIXTURES, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as Report;
  assert.equal(report.summary.tcp_gaps.length, 1);
  const html = await run(['diagnose', ...CAPTURE_POINT_FIXTURES, '--html', out]);
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
