import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RegistrationPlan, RegistrationWrite, Repos } from '../../src/store/index.js';
import type { FakeClock } from '../support/fake-clock.js';

/**
 * The registrar's bindings (issue 11 item 2) on every dialect: storeConformance calls this
 * inside its describe, so SQLite and PostgreSQL run the same tests.
 */
export function registrationsConformance(repos: () => Repos, clock: FakeClock): void {
  const AOR = 'sip:pbx1@acc_reg.pstn.test';

  function write(contact: string, over: Partial<RegistrationWrite> = {}): RegistrationWrite {
    return {
      user_name: 'pbx1', contact, q: null, call_id: 'c1@pbx', cseq: 1, expires_at_ms: clock.now() + 3600_000,
      source_address: '203.0.113.7', source_port: 40123, transport: 'udp', connection_id: null, user_agent: 'PBX/1.0', ...over,
    };
  }
  const put = (...w: RegistrationWrite[]): RegistrationPlan<never> => ({ ok: true, put: w, remove: [] });

  async function trunk(name: string) {
    const r = repos();
    let a = await r.accounts.findBySid('acc_reg');
    if (!a) {
      await r.accounts.create('acc_reg');
      a = await r.accounts.findBySid('acc_reg');
    }
    return r.trunks.create(a!.id, a!.sid, { trunk_name: name, nso_code: 'ANY-ANY', domain_name: 'acc_reg.pstn.test' });
  }

  test('registrar bindings: several contacts per address-of-record, each with its q, source flow and expiry; a refresh keeps registered_at', async () => {
    const t = await trunk('reg_many');
    const first = await repos().registrations.change(t.sid, AOR, () => put(write('sip:pbx1@10.0.0.5:5060', { q: 0.5 }), write('sip:pbx1@10.0.0.6:5060;transport=tcp', { transport: 'tcp', connection_id: 'tcp-7' })));
    assert.ok(first.ok);
    assert.equal(first.bindings.length, 2);
    const b = first.bindings.find((x) => x.contact.startsWith('sip:pbx1@10.0.0.5'))!;
    assert.equal(b.q, 0.5);
    assert.equal(b.source_address, '203.0.113.7');
    assert.equal(b.source_port, 40123);
    assert.equal(Date.parse(b.expires_at), Math.ceil((clock.now() + 3600_000) / 1000) * 1000, 'expires_at is the expiry, on whole seconds');
    const registeredAt = b.registered_at;
    clock.advance(60_000);
    const again = await repos().registrations.change(t.sid, AOR, (current) => {
      assert.equal(current.length, 2, 'the decision sees the current bindings');
      return put(write('sip:pbx1@10.0.0.5:5060', { q: 0.9, cseq: 2, expires_at_ms: clock.now() + 120_000, source_port: 40999 }));
    });
    assert.ok(again.ok);
    const refreshed = again.bindings.find((x) => x.contact.startsWith('sip:pbx1@10.0.0.5'))!;
    assert.equal(refreshed.registered_at, registeredAt);
    assert.equal(refreshed.cseq, 2);
    assert.equal(refreshed.source_port, 40999);
    assert.equal(refreshed.q, 0.9);
    const order = await repos().registrations.current(t.sid);
    assert.deepEqual(order.map((x) => x.q), [null, 0.9]);
    assert.equal(order[0].contact, 'sip:pbx1@10.0.0.6:5060;transport=tcp', 'no q counts as 1.0 and goes before q=0.9');
    assert.equal(order[0].connection_id, 'tcp-7');
  });

  test('registrar bindings expire by the clock, a refusal writes nothing, a removal is committed with the rest or not at all', async () => {
    const t = await trunk('reg_expiry');
    await repos().registrations.change(t.sid, AOR, () => put(write('sip:pbx1@10.0.0.7', { expires_at_ms: clock.now() + 60_000 }), write('sip:pbx1@10.0.0.8')));
    clock.advance(61_000);
    const listed = await repos().registrations.list(t, { offset: 0, limit: 10 });
    assert.deepEqual(listed.items.map((x) => x.contact), ['sip:pbx1@10.0.0.8']);
    assert.equal(listed.total, 1);
    const refused = await repos().registrations.change(t.sid, AOR, (current) => {
      assert.equal(current.length, 1, 'the expired binding is gone before the decision');
      return { ok: false, refusal: 'out of order' };
    });
    assert.deepEqual(refused, { ok: false, refusal: 'out of order' });
    const id = listed.items[0].id;
    const removed = await repos().registrations.change(t.sid, AOR, () => ({ ok: true, put: [], remove: [id] }));
    assert.ok(removed.ok);
    assert.equal(removed.bindings.length, 0);
    assert.equal((await repos().registrations.current(t.sid)).length, 0);
    await assert.rejects(repos().registrations.change('trmum1000000000000000000a1n', AOR, () => put()), /does not exist/);
  });

  test('registrar bindings: 20 concurrent REGISTERs of one contact end in one binding with the last CSeq', async () => {
    const t = await trunk('reg_race');
    // Each change adds one to the CSeq it read: a lost update (two reading the same row) ends below 20.
    await Promise.all(Array.from({ length: 20 }, () => repos().registrations.change(t.sid, AOR, (current) => put(write('sip:pbx1@10.0.0.9', { cseq: (current[0]?.cseq ?? 0) + 1 })))));
    const [b, ...rest] = await repos().registrations.current(t.sid);
    assert.equal(rest.length, 0);
    assert.equal(b.cseq, 20, 'each change saw the one before');
    assert.ok(await repos().trunks.delete('acc_reg', t.sid));
    assert.equal((await repos().registrations.current(t.sid)).length, 0, 'deleting the trunk removes its bindings');
  });
}
