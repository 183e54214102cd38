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
