import { test } from 'node:test';
import assert from 'node:assert/strict';
import { A, apiFixture, one } from './support.js';

// GET /v2/accounts/{sid}/explain?q= answers from the same knowledge base as `trunkline explain`.
test('explain: a SIP code, an API error code, a symptom in words and a finding id each answer their entry; an unknown query is 404 naming what to try; q is required; Basic auth applies', async () => {
  const f = await apiFixture();
  try {
    const get = (q: string, as: 'acme' | 'none' = 'acme') => f.json({ method: 'GET', url: `${A}/explain${q}`, as });
    const busy = one((await get('?q=486')).body).data as { kind: string; title: string; fault_domain: string; checks: string[]; findings: string[] };
    assert.equal(busy.kind, 'sip-code');
    assert.equal(busy.title, '486 Busy Here');
    assert.equal(busy.fault_domain, 'far-end');
    assert.ok(busy.checks.length > 0);
    assert.equal((one((await get('?q=1008')).body).data as { kind: string }).kind, 'api-error');
    assert.equal((one((await get('?q=one%20way%20audio')).body).data as { kind: string }).kind, 'media-symptom');
    assert.equal((one((await get(`?q=${busy.findings[0]}`)).body).data as { kind: string }).kind, 'finding');

    const unknown = await get('?q=flux%20capacitor');
    assert.equal(unknown.status, 404);
    assert.equal(one(unknown.body).error_data?.code, 1000);
    assert.match(one(unknown.body).error_data!.description, /nothing in the knowledge base matches "flux capacitor"/);
    const empty = await get('?q=%20');
    assert.equal(empty.status, 400);
    assert.equal(one(empty.body).error_data?.code, 1001);
    assert.equal((await get('?q=486', 'none')).status, 401);
  } finally {
    await f.close();
  }
});
