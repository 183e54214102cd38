import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawUac, pcmaOffer } from './support/raw-uac.js';
import { CALLER, pbxTrunk } from './support/cluster.js';
import { apiClient, serve } from './support/serve.js';

// A lone node (SQLite, no Redis) killed with -9 mid-call and started again under the same
// --node-id: the call it left in progress cannot be up any more, so the node closes it as
// failed with edge.node-lost before taking calls, instead of leaving it in progress for ever.
test('a node started again under its --node-id closes the calls its previous life left in progress (edge.node-lost)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'trunkline-restart-'));
  const first = await serve(['--data-dir', dataDir, '--node-id', 'solo']);
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: first.sip }).open();
  try {
    const trunk = await pbxTrunk(first, 'pbx_restart');
    const inv = pbx.invite({ ruri: `sip:+919876540000@${trunk.domain}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
    const ok = await inv.waitFinal(8000);
    assert.equal(ok.status, 200, ok.raw);
    await pbx.ack(inv, ok);
    const sid = ok.header('x-trunkline-call-sid')!;
    const path = `/v2/accounts/${first.account}/calls/${sid}`;
    for (let i = 0; i < 50 && (await first.api<{ status: string }>('GET', path)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal((await first.api<{ status: string }>('GET', path)).json.response.data.status, 'in-progress');
    const exited = once(first.child, 'exit');
    first.child.kill('SIGKILL');
    await exited;
    const again = await serve(['--data-dir', dataDir, '--node-id', 'solo']);
    try {
      const api = apiClient(again.http, first.auth);
      const v = (await api<{ status: string; end_cause: string; node_id: string; findings: { id: string }[] }>('GET', path)).json.response.data;
      assert.equal(v.status, 'failed');
      assert.equal(v.end_cause, 'node-lost');
      assert.equal(v.node_id, 'solo');
      assert.ok(v.findings.some((f) => f.id === 'edge.node-lost'), JSON.stringify(v.findings));
    } finally {
      await again.stop();
    }
  } finally {
    await pbx.close();
    await first.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
