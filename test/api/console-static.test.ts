import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleFile } from '../../src/api/routes/console.js';
import { apiFixture } from './support.js';

// The console's static route: index at / and /console, modules and CSS with their content
// types, revalidation by ETag, nothing outside the console's folders, the JSON API untouched.
test('the console is served at / and /console with its modules, CSS and a CSP that allows only this origin', async () => {
  const f = await apiFixture();
  try {
    for (const url of ['/', '/console', '/console/']) {
      const res = await f.call({ method: 'GET', url, as: 'none' });
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.body, /<script type="module" src="\/console\/app\.js">/);
      assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
    }
    const js = await f.call({ method: 'GET', url: '/console/app.js', as: 'none' });
    assert.equal(js.statusCode, 200, 'the build compiled web/ into dist/web');
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.equal(js.headers['cache-control'], 'no-cache');
    const again = await f.call({ method: 'GET', url: '/console/app.js', as: 'none', headers: { 'if-none-match': String(js.headers['etag']) } });
    assert.equal(again.statusCode, 304, 'an unchanged file is revalidated, not sent again');
    const css = await f.call({ method: 'GET', url: '/console/style.css', as: 'none' });
    assert.match(String(css.headers['content-type']), /^text\/css/);
    const cfg = await f.call({ method: 'GET', url: '/console/config.json', as: 'none' });
    assert.deepEqual(JSON.parse(cfg.body), { sip_domain: 'pstn.example.com', nso_codes: ['ANY-ANY', 'IN-MUM'] });

    for (const url of ['/console/../package.json', '/console/%2e%2e/package.json', '/console/..%2fpackage.json', '/console/pages/../../src/cli/main.js', '/console/.tsbuildinfo', '/console/app.ts', '/console/nothing.js']) {
      const res = await f.call({ method: 'GET', url, as: 'none' });
      assert.equal(res.statusCode, 404, url);
      assert.doesNotMatch(res.body, /"name": "trunkline"|import /, `${url} leaks nothing`);
    }
    // The JSON API, its docs and health keep their answers.
    assert.equal((await f.call({ method: 'GET', url: '/healthz', as: 'none' })).statusCode, 200);
    assert.equal((await f.call({ method: 'GET', url: '/openapi.json', as: 'none' })).statusCode, 200);
    assert.equal((await f.call({ method: 'GET', url: '/v2/accounts/acme/trunks', as: 'none' })).statusCode, 401);
  } finally {
    await f.close();
  }
});

test('a console file is found only inside its roots: dot segments, hidden files and backslashes are refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-console-'));
  try {
    const root = join(dir, 'root');
    mkdirSync(join(root, 'pages'), { recursive: true });
    writeFileSync(join(root, 'pages', 'a.js'), 'x');
    writeFileSync(join(dir, 'secret.txt'), 'no');
    const roots = [`${root}/`];
    assert.ok(await consoleFile('pages/a.js', roots));
    for (const bad of ['../secret.txt', 'pages/../../secret.txt', './pages/a.js', '.hidden', 'pages\\a.js', '/etc/passwd', '', 'pages//a.js']) {
      assert.equal(await consoleFile(bad, roots), undefined, bad);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
