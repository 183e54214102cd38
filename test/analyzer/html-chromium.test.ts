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
