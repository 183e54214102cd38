import { test } from 'node:test';
import assert from 'node:assert/strict';
import { provisioningChecks } from '../../src/preflight/checks/provisioning.js';
import { apiFixture } from '../api/support.js';

test('preflight on an account with no trunk advises a create-trunk body the API accepts (trunk_name, nso_code, domain_name)', async () => {
  const f = await apiFixture();
  try {
    const acct = await f.repos.accounts.create('fresh');
    const url = await f.app.listen({ host: '127.0.0.1', port: 0 });
    const { items } = await provisioningChecks({ url, account: 'fresh', key: acct.api_key, token: acct.api_token }, 'fresh.pstn.example.com', null);
    const domain = items.find((i) => i.id === 'trunk.domain');
    assert.equal(domain?.status, 'fail');
    const m = /POST (\S+) (\{.*\})$/.exec(domain?.change ?? '');
    assert.ok(m, `the change names the call: ${domain?.change}`);
    const res = await fetch(new URL(m[1], url), {
      method: 'POST', body: m[2],
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${acct.api_key}:${acct.api_token}`).toString('base64')}` },
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as { response: { data: { domain_name: string } } }).response.data.domain_name, 'fresh.pstn.example.com');
  } finally {
    await f.close();
  }
});
