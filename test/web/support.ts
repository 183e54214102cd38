import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { findPeer } from '../support/peers.js';
import type { Served } from '../edge/support/serve.js';

/** Chromium from the system (never a downloaded browser), headless, no background network. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: findPeer('chromium') ?? 'chromium', args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'] });
}

/** The demo account's key and token from the Basic header serve() printed. */
export function credentials(s: Served): { key: string; token: string } {
  const [key, token] = Buffer.from(s.auth.replace(/^Basic /, ''), 'base64').toString('utf8').split(':');
  return { key, token };
}

/**
 * Screenshots go to $TRUNKLINE_CONSOLE_SHOTS when set (docs/console/ is made that way), else
 * to a temp folder, so a test run never rewrites the committed pictures.
 */
export function shotsDir(): string {
  const dir = process.env.TRUNKLINE_CONSOLE_SHOTS ?? join(tmpdir(), `trunkline-console-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Every request the page makes, to prove it talks to nobody but trunkline. */
export function recordRequests(page: Page, origin: string): string[] {
  const elsewhere: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(origin)) elsewhere.push(r.url());
  });
  return elsewhere;
}

export async function signIn(page: Page, account: string, key: string, token: string): Promise<void> {
  await page.getByLabel('Account SID').fill(account);
  await page.getByLabel('API key').fill(key);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * What a page breaks of WCAG 2.1 AA that a script can see: a form control without a label
 * (1.3.1/4.1.2), an image-like SVG without a name, and visible text whose contrast with the
 * background behind it is under 4.5:1 (3:1 for large text, 1.4.3). Runs in the page.
 */
export async function a11yProblems(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const problems = [];
    const lum = (c) => {
      const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const rgba = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgba(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
      const labelled = (el.id && document.querySelector('label[for="' + el.id + '"]')) || el.closest('label') || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (!labelled) problems.push('unlabelled ' + el.tagName.toLowerCase() + ' ' + (el.name || ''));
    }
    for (const svg of document.querySelectorAll('svg[role=img], svg[role=group]')) if (!svg.getAttribute('aria-label')) problems.push('svg without a name');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || seen.has(el) || !n.textContent.trim() || el.closest('svg, [hidden], noscript, option')) continue;
      seen.add(el);
      const st = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      if (st.visibility === 'hidden' || st.display === 'none' || box.width === 0 || box.height === 0 || box.left < -100 || Number(st.opacity) < 0.5) continue;
      const fg = rgba(st.color).slice(0, 3);
      const bg = background(el);
      const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      const size = parseFloat(st.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) problems.push('contrast ' + ratio.toFixed(2) + ' for "' + n.textContent.trim().slice(0, 30) + '"');
    }
    return problems;
  })()`) as Promise<string[]>;
}
