import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import type { ApiInstance } from '../type-provider.js';

/**
 * The web console (SPEC table: "web console … served by the API"): static files only, at `/`
 * and under `/console/`. The console is a client of the public HTTP API like any other; this
 * module only hands out its files. Two roots: the compiled modules (dist/web, from
 * web/tsconfig.json) and the hand-written assets (web/public: index.html, CSS).
 */
const DIST_WEB = fileURLToPath(new URL('../../../web/', import.meta.url));
const PUBLIC_WEB = fileURLToPath(new URL('../../../../web/public/', import.meta.url));
export const CONSOLE_ROOTS: readonly string[] = [DIST_WEB, PUBLIC_WEB];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.ico': 'image/x-icon',
};

// Everything the page loads comes from this origin (the issue: no external network at run
// time); the stream and the API are same-origin fetch/EventSource.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** A request path segment list that stays inside a root: no `..`, no hidden files, no backslashes. */
const SAFE_PATH = /^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*\/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/** The file under one of the roots, or undefined: the resolved path must stay inside the root. */
export async function consoleFile(relPath: string, roots: readonly string[] = CONSOLE_ROOTS): Promise<{ path: string; size: number; mtimeMs: number } | undefined> {
  if (!SAFE_PATH.test(relPath) || relPath.split('/').some((s) => s === '..' || s === '.')) return undefined;
  for (const root of roots) {
    const full = resolve(root, relPath);
    if (!full.startsWith(root.endsWith(sep) ? root : root + sep)) continue;
    try {
      const s = await stat(full);
      if (s.isFile()) return { path: full, size: s.size, mtimeMs: s.mtimeMs };
    } catch {
      // not in this root: try the next
    }
  }
  return undefined;
}

async function sendFile(request: FastifyRequest, reply: FastifyReply, relPath: string): Promise<FastifyReply> {
  const file = await consoleFile(relPath);
  const type = TYPES[extname(relPath).toLowerCase()];
  if (!file || !type) {
    return reply.code(404).header('content-type', 'text/plain; charset=utf-8').headers(SECURITY_HEADERS).send(`no console file ${relPath}\n`);
  }
  // File names carry no content hash, so the browser revalidates every time (cheap 304s).
  const etag = `"${createHash('sha1').update(`${file.path}:${file.size}:${file.mtimeMs}`).digest('hex').slice(0, 20)}"`;
  reply.headers(SECURITY_HEADERS).header('cache-control', 'no-cache').header('etag', etag);
  if (request.headers['if-none-match'] === etag) return reply.code(304).send();
  return reply.code(200).header('content-type', type).send(await readFile(file.path));
}

export function consoleRoutes(app: ApiInstance, deps: ApiDeps): void {
  const schema = { hide: true };
  const index = (request: FastifyRequest, reply: FastifyReply) => sendFile(request, reply, 'index.html');
  app.get('/', { schema }, index);
  app.get('/console', { schema }, index);
  // What the console needs that is configuration, not an account's data: the trunk
  // domain_name it proposes on create is `{account_sid}.{sip_domain}` (SPEC §1).
  app.get('/console/config.json', { schema }, async (_request, reply) =>
    reply.headers(SECURITY_HEADERS).header('cache-control', 'no-cache').send({ sip_domain: deps.settings.sipDomain, nso_codes: deps.settings.nsoCodes }),
  );
  app.get('/console/*', { schema }, async (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    return sendFile(request, reply, rest === '' ? 'index.html' : rest);
  });
}
