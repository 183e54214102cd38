import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, stopped } from './support.js';

interface Ack {
  readonly id: string;
  readonly ip: string;
}

test('kill -9 in the middle of a stream of writes loses no acknowledged write', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-crash-'));
  try {
    const first = await serve(['--data-dir', dir, '--api-rate-limit', '100000']);
    const demo = first.events.find((e) => e.event === 'demo_account')!;
    const auth = `Basic ${Buffer.from(`${String(demo.api_key)}:${String(demo.api_token)}`).toString('base64')}`;
    const headers = { authorization: auth, 'content-type': 'application/json' };
    const base = (port: number) => `http://127.0.0.1:${port}/v2/accounts/demo`;
    const trunk = (await (await fetch(`${base(first.port)}/trunks`, { method: 'POST', headers, body: JSON.stringify({ trunk_name: 'crash', nso_code: 'ANY-ANY', domain_name: 'demo.pstn.localhost' }) })).json()) as {
      response: { data: { trunk_sid: string } };
    };
    const url = (port: number) => `${base(port)}/trunks/${trunk.response.data.trunk_sid}/whitelisted-ips`;

    // Four writers stream distinct networks; the server is killed once 80 writes are acknowledged,
    // with writes still in flight. Every write is bounded: at most 400 per writer.
    const acked: Ack[] = [];
    let next = 0;
    let killed = false;
    const writer = async () => {
      for (let i = 0; i < 400 && !killed; i++) {
        const n = next++;
        const ip = `10.${(n >> 8) & 255}.${n & 255}.1`;
        try {
          const res = await fetch(url(first.port), { method: 'POST', headers, body: JSON.stringify({ ip }) });
          const body = (await res.json()) as { response: { data: { id: string } } };
          if (res.status === 200) acked.push({ id: body.response.data.id, ip });
        } catch {
          return; // the server is gone: this write was never acknowledged
        }
        if (acked.length >= 80 && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all([writer(), writer(), writer(), writer()]);
    await stopped(first.child);
    assert.ok(acked.length >= 80, `enough writes were acknowledged (${acked.length})`);

    const second = await serve(['--data-dir', dir]);
    try {
      const res = await fetch(`${url(second.port)}?page_size=500`, { headers });
      const body = (await res.json()) as { metadata: { total: number }; response: { data: { id: string; ip: string } }[] };
      const stored = new Map(body.response.map((r) => [r.data.id, r.data.ip]));
      const lost = acked.filter((a) => stored.get(a.id) !== a.ip);
      assert.deepEqual(lost, [], 'every acknowledged write is present after the restart');
    } finally {
      second.child.kill('SIGTERM');
      await stopped(second.child);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
