import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../../src/core/index.js';
import { createRepos, type Repos } from '../../src/store/index.js';
import { postgresTestStore, sqliteTestStore, type TestStore } from '../store/support.js';
import { ACCOUNT, CALLER, credentialFor, DOMAIN, startHarness, TRUNK, type Harness } from './support/harness.js';
import { pcmaOffer, RawUac } from './support/raw-uac.js';
import { bindingsOf, digestAuthorization, RegisterClient } from './support/register-client.js';

// Issue 11 item 2: the edge as a registrar (RFC 3261 §10.3), judged over real sockets by a PBX
// written on raw sockets. The bindings live in a real SQLite store whose clock a test can move
// on (expiry) while SIP runs on the system clock.
const DID = '+919876547001';
const USER = 'pbx1';
const PASSWORD = 'regist3r-secret';

/** The system clock, with wall time a test can move forward (the store's view of "now"). */
class SkewClock implements Clock {
  offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  monotonic(): number {
    return systemClock.monotonic();
  }
  setTimer(ms: number, fire: () => void) {
    return systemClock.setTimer(ms, fire);
  }
}

// The same suite with the bindings on each store dialect (CONVENTIONS habit 6).
for (const [dialect, open] of [['SQLite', sqliteTestStore], ['PostgreSQL', postgresTestStore]] as const) describe(`the edge as a registrar (RFC 3261 §10.3), bindings on ${dialect}`, () => {
  let h: Harness;
  let store: TestStore;
  let repos: Repos;
  const clock = new SkewClock();
  const uacs: RawUac[] = [];

  before(async () => {
    store = await open();
    repos = createRepos(store.conn.db, clock);
    // The bindings' rows need a trunk row; the edge reads the trunk itself from the memory directory.
    await repos.accounts.create(ACCOUNT);
    const account = (await repos.accounts.findBySid(ACCOUNT))!;
    const made = await repos.trunks.create(account.id, ACCOUNT, { trunk_name: 'pbx', nso_code: 'ANY-ANY', domain_name: DOMAIN });
    await store.conn.db.updateTable('trunks').set({ sid: TRUNK }).where('id', '=', made.id).execute();
    // Timer B's stand-in is long (30 s) so that only the registrar's own no-response time (0.8 s here) can move a call on from a stale contact.
    h = await startHarness({ registrations: repos.registrations, inviteTimeoutMs: 30_000, registrarLimits: { flowNoResponseMs: 800 } });
    // A PBX on a dynamic address: no whitelisted range, a credential, registration on.
    h.directory.update(TRUNK, { whitelist: [], credentials: [credentialFor(USER, PASSWORD)], registrationEnabled: true });
    h.directory.numbers.set(DID, { e164: DID, trunkSid: TRUNK, accountSid: ACCOUNT, status: 'active', removed: false, mode: 'pstn' });
  });

  after(async () => {
    for (const u of uacs) {
      try {
        await u.close();
      } catch {
        // Closed by its test already (the stale registration).
      }
    }
    await h?.stop();
    await store?.cleanup();
  });

  async function pbx(protocol: 'udp' | 'tcp' = 'udp', host = '127.0.0.2'): Promise<RawUac> {
    const u = await new RawUac(protocol, { host: '127.0.0.1', port: h.port }, host).open();
    uacs.push(u);
    return u;
  }

  /** Removes every binding of the AOR, so each test starts from none. */
  async function clean(): Promise<void> {
    const c = new RegisterClient(await pbx(), USER, PASSWORD, DOMAIN);
    const { final } = await c.register({ contacts: '*', expires: 0 });
    assert.equal(final.status, 200, final.raw);
  }

  async function testCall(): Promise<string> {
    const callSid = randomBytes(16).toString('hex');
    await h.edge.sim!.simulator.originate({ to: DID, edge: h.edge.edgeHop, edgeDomain: DOMAIN, callSid });
    return callSid;
  }

  test('REGISTER is challenged (401, SHA-256 and MD5), then binds the contact: the 200 lists it with its expiry and a Date', async () => {
    await clean();
    const c = new RegisterClient(await pbx(), USER, PASSWORD, DOMAIN, 'MD5');
    const { final, challenge } = await c.register({ contacts: ['<sip:pbx1@127.0.0.2:5999>'], expires: 600 });
    assert.equal(challenge?.status, 401);
    assert.deepEqual(challenge!.all('www-authenticate').map((v) => /algorithm=([\w-]+)/.exec(v)?.[1]), ['SHA-256', 'MD5']);
    assert.equal(final.status, 200, final.raw);
    assert.deepEqual(bindingsOf(final), [{ uri: 'sip:pbx1@127.0.0.2:5999', expires: 600 }]);
    assert.ok(final.header('date'), 'RFC 3261 §10.3 step 8: Date');
  });

  test('several contacts per address-of-record, each with its q and expiry; a query lists them; Expires 0 on one removes only it', async () => {
    await clean();
    const c = new RegisterClient(await pbx(), USER, PASSWORD, DOMAIN);
    const { final } = await c.register({ contacts: ['<sip:desk@127.0.0.2:5001>;q=0.5', '<sip:mobile@127.0.0.2:5002>;expires=120;q=1.0'], expires: 900 });
    assert.equal(final.status, 200, final.raw);
    const listed = bindingsOf(final).sort((a, b) => a.uri.localeCompare(b.uri));
    assert.deepEqual(listed, [{ uri: 'sip:desk@127.0.0.2:5001', expires: 900, q: 0.5 }, { uri: 'sip:mobile@127.0.0.2:5002', expires: 120, q: 1 }]);
    // RFC 3261 §10.2.3: a REGISTER without Contact asks for the current bindings.
    const query = (await c.register()).final;
    assert.equal(bindingsOf(query).length, 2);
    const removed = (await c.register({ contacts: ['<sip:desk@127.0.0.2:5001>;expires=0'] })).final;
    assert.deepEqual(bindingsOf(removed).map((b) => b.uri), ['sip:mobile@127.0.0.2:5002']);
  });

  test('an expiry below the minimum gets 423 Interval Too Brief with Min-Expires; a longer one is shortened to the maximum', async () => {
    const c = new RegisterClient(await pbx(), USER, PASSWORD, DOMAIN);
    const brief = (await c.register({ contacts: ['<sip:pbx1@127.0.0.2:5999>'], expires: 30 })).final;
    assert.equal(brief.status, 423, brief.raw);
    assert.equal(brief.header('min-expires'), '60');
    assert.equal(brief.header('x-trunkline-finding'), 'sip.423');
    const long = (await c.register({ contacts: ['<sip:pbx1@127.0.0.2:5999>'], expires: 86400 })).final;
    assert.equal(long.status, 200);
    assert.equal(bindingsOf(long).find((b) => b.uri === 'sip:pbx1@127.0.0.2:5999')?.expires, 3600);
  });

  test('an address-of-record holds at most 10 contacts: an 11th is 403 trunk.too-many-contacts and changes nothing', async () => {
    await clean();
    const c = new RegisterClient(await pbx(), USER, PASSWORD, DOMAIN);
    const eleven = Array.from({ length: 11 }, (_, i) => `<sip:c${i}@127.0.0.2:${6000 + i}>`);
    const res = (await c.register({ contacts: eleven, expires: 300 })).final;
    assert.equal(res.status, 403, res.raw);
    assert.equal(res.header('x-trunkline-finding'), 'trunk.too-many-contacts');
    assert.equal((await repos.registrations.current(TRUNK)).length, 0);
    assert.equal((await c.register({ contacts: eleven.slice(0, 10), expires: 300 })).final.status, 200);
  });

  test('Contact: * with Expires: 0 removes every binding; * with another expiry is 400', async () => {
    const c = new RegisterClient(await pbx(), USER, PASSWORD, DOMAIN);
    await c.register({ contacts: ['<sip:a@127.0.0.2:5001>', '<sip:b@127.0.0.2:5002>'], expires: 300 });
    const bad = (await c.register({ contacts: '*', expires: 300 })).final;
    assert.equal(bad.status, 400);
    assert.match(bad.header('warning') ?? '', /Expires: 0/);
    const all = (await c.register({ contacts: '*', expires: 0 })).final;
    assert.equal(all.status, 200);
    assert.deepEqual(bindingsOf(all), []);
  });

  test('a REGISTER with the binding\'s Call-ID and a CSeq not above its own fails (RFC 3261 §10.3 step 7) and changes nothing', async () => {
    await clean();
    const c = new RegisterClient(await pbx(), USER, PASSWORD, DOMAIN);
    c.cseq = 10;
    assert.equal((await c.register({ contacts: ['<sip:pbx1@127.0.0.2:5999>'], expires: 300 })).final.status, 200);
    const stale = (await c.register({ contacts: ['<sip:pbx1@127.0.0.2:5999>'], expires: 0, cseq: 3 })).final;
    assert.equal(stale.status, 500, stale.raw);
    assert.equal((await repos.registrations.current(TRUNK)).length, 1, 'the binding is still there');
  });

  test('a wrong password is 401 with its finding; a REGISTER to a trunk without registration is 403 (not 405) with a finding, and recorded', async () => {
    const wrong = (await new RegisterClient(await pbx(), USER, PASSWORD, DOMAIN).register({ contacts: ['<sip:pbx1@127.0.0.2:5999>'], password: 'nope' })).final;
    assert.equal(wrong.status, 401);
    assert.equal(wrong.header('x-trunkline-finding'), 'auth.wrong-credentials');
    h.directory.update(TRUNK, { registrationEnabled: false });
    try {
      const off = (await new RegisterClient(await pbx(), USER, PASSWORD, DOMAIN).register({ contacts: ['<sip:pbx1@127.0.0.2:5999>'] })).final;
      assert.equal(off.status, 403, off.raw);
      assert.equal(off.header('x-trunkline-finding'), 'trunk.registration-disabled');
      assert.match(off.header('warning') ?? '', /registration_enabled false/);
      assert.match(off.header('reason') ?? '', /^SIP;cause=403/);
      const sid = off.header('x-trunkline-call-sid')!;
      const rec = await h.calls.wait((r) => r.call_sid === sid);
      assert.equal(rec.edge_cause, 'registration-disabled');
      assert.equal(rec.trunk_sid, TRUNK);
      assert.ok(rec.findings.some((f) => f.id === 'trunk.registration-disabled'), JSON.stringify(rec.findings));
    } finally {
      h.directory.update(TRUNK, { registrationEnabled: true });
    }
    const other = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
    uacs.push(other);
    const unknown = (await new RegisterClient(other, USER, PASSWORD, 'nobody.pstn.localhost').register({ contacts: ['<sip:x@127.0.0.1:5999>'] })).final;
    assert.equal(unknown.status, 403);
    assert.equal(unknown.header('x-trunkline-finding'), 'trunk.registration-disabled');
    // Issue 11 item 4: no domain and no whitelisted source ties it to an account, so no sid that would 404.
    assert.equal(unknown.header('x-trunkline-call-sid'), undefined);
  });

  test('a user may bind only its own address-of-record (RFC 3261 §10.3 step 6): another AOR is 403 auth.aor-not-allowed', async () => {
    const c = new RegisterClient(await pbx(), USER, PASSWORD, DOMAIN);
    const res = (await c.register({ contacts: ['<sip:x@127.0.0.2:5999>'], aorUser: 'someone-else' })).final;
    assert.equal(res.status, 403, res.raw);
    assert.equal(res.header('x-trunkline-finding'), 'auth.aor-not-allowed');
    assert.match(res.header('warning') ?? '', /someone-else/);
  });

  test('an inbound call goes to the registered contact through the REGISTER\'s source address and port, not the (unreachable) Contact; ACK and BYE follow the same flow', async () => {
    await clean();
    const u = await pbx('udp', '127.0.0.2');
    u.onRequest = (m, reply) => {
      if (m.method === 'INVITE') {
        // The PBX's own Contact names the address behind its NAT too.
        reply(200, 'OK', ['Contact: <sip:pbx1@127.0.0.3:5999>'], pcmaOffer('127.0.0.2', 40002));
      } else if (m.method !== 'ACK') reply(200, 'OK');
    };
    // 127.0.0.3:5999 stands for a private address behind NAT: nothing listens there, and being
    // loopback, a wrong edge never sends a packet off this machine.
    const c = new RegisterClient(u, USER, PASSWORD, DOMAIN);
    assert.equal((await c.register({ contacts: ['<sip:pbx1@127.0.0.3:5999>'], expires: 300 })).final.status, 200);
    const stored = await repos.registrations.current(TRUNK);
    assert.deepEqual(stored.map((b) => [b.source_address, b.source_port, b.transport, b.user_agent]), [['127.0.0.2', u.local.port, 'udp', 'raw-pbx/1.0']]);
    const callSid = await testCall();
    const invite = await u.waitRequest((m) => m.method === 'INVITE');
    assert.equal(invite.start, 'INVITE sip:pbx1@127.0.0.3:5999 SIP/2.0', 'the Request-URI is the registered contact');
    await u.waitRequest((m) => m.method === 'ACK');
    await u.waitRequest((m) => m.method === 'BYE', 5000);
    const rec = await h.calls.wait((r) => r.call_sid === callSid && r.status === 'completed');
    assert.ok(rec.events.some((e) => e.kind === 'route' && e.detail.includes(`registered contact sip:pbx1@127.0.0.3:5999`) && e.detail.includes(`127.0.0.2:${u.local.port}`)), JSON.stringify(rec.events));
  });

  test('over TCP the inbound INVITE comes back on the connection the REGISTER used; CRLF keep-alive pings get a pong and OPTIONS a 200', async () => {
    await clean();
    const u = await pbx('tcp', '127.0.0.2');
    u.onRequest = (m, reply) => {
      if (m.method === 'INVITE') reply(200, 'OK', ['Contact: <sip:pbx1@127.0.0.3:5999;transport=tcp>'], pcmaOffer('127.0.0.2', 40004));
      else if (m.method !== 'ACK') reply(200, 'OK');
    };
    const c = new RegisterClient(u, USER, PASSWORD, DOMAIN);
    assert.equal((await c.register({ contacts: ['<sip:pbx1@127.0.0.3:5999;transport=tcp>'], expires: 300 })).final.status, 200);
    const [b] = await repos.registrations.current(TRUNK);
    assert.equal(b.transport, 'tcp');
    assert.ok(b.connection_id, 'the connection is kept');
    const callSid = await testCall();
    const invite = await u.waitRequest((m) => m.method === 'INVITE');
    assert.match(invite.header('via') ?? '', /^SIP\/2\.0\/TCP /);
    await h.calls.wait((r) => r.call_sid === callSid && r.status === 'completed');

    // RFC 5626 §3.5.1: a double-CRLF ping on a connection is answered by a single CRLF pong.
    const s = connect({ host: '127.0.0.1', port: h.port, localAddress: '127.0.0.2' });
    await once(s, 'connect');
    s.write('\r\n\r\n');
    const [pong] = (await once(s, 'data')) as [Buffer];
    assert.equal(pong.toString('latin1'), '\r\n');
    s.destroy();
    const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
    const ok = await u.sendRequest([
      `OPTIONS sip:${DOMAIN} SIP/2.0`, `Via: ${u.via};branch=${branch};rport`, 'Max-Forwards: 70', `From: <sip:${USER}@${DOMAIN}>;tag=k1`,
      `To: <sip:${DOMAIN}>`, 'Call-ID: keepalive@pbx', 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', '',
    ].join('\r\n'), branch, 'OPTIONS');
    assert.equal(ok.status, 200);
  });

  test('several registered contacts are tried one after the other, highest q first: a 503 from the first moves the call to the next', async () => {
    await clean();
    const high = await pbx('udp', '127.0.0.2');
    const low = await pbx('udp', '127.0.0.4');
    high.onRequest = (m, reply) => {
      if (m.method === 'INVITE') reply(503, 'Service Unavailable');
    };
    low.onRequest = (m, reply) => {
      if (m.method === 'INVITE') reply(200, 'OK', [`Contact: ${low.contact}`], pcmaOffer('127.0.0.4', 40008));
      else if (m.method !== 'ACK') reply(200, 'OK');
    };
    assert.equal((await new RegisterClient(low, USER, PASSWORD, DOMAIN).register({ contacts: ['<sip:low@127.0.0.3:5001>;q=0.4'], expires: 300 })).final.status, 200);
    assert.equal((await new RegisterClient(high, USER, PASSWORD, DOMAIN).register({ contacts: ['<sip:high@127.0.0.3:5002>;q=0.9'], expires: 300 })).final.status, 200);
    const sid = await testCall();
    const rec = await h.calls.wait((r) => r.call_sid === sid && r.status === 'completed', 8000);
    const attempts = rec.events.filter((e) => e.detail.startsWith('attempt ')).map((e) => e.detail);
    assert.deepEqual(attempts.map((a) => /→ (\S+)/.exec(a)?.[1]), ['sip:high@127.0.0.3:5002', 'sip:low@127.0.0.3:5001'], attempts.join(' | '));
    assert.ok(attempts[1].includes(`127.0.0.4:${low.local.port}`), attempts[1]);
    assert.equal(high.requests.filter((m) => m.method === 'INVITE').length, 1);
  });

  test('a PBX that registers from an address no range whitelists also calls out with digest alone (the trunk takes registrations)', async () => {
    const u = await pbx('udp', '127.0.0.2');
    const ruri = `sip:+919876540000@${DOMAIN}`;
    const first = await u.invite({ ruri, from: `<sip:${CALLER}@${DOMAIN}>`, body: pcmaOffer('127.0.0.2', 40012) }).waitFinal();
    assert.equal(first.status, 401, first.raw);
    const inv = u.invite({ ruri, from: `<sip:${CALLER}@${DOMAIN}>`, body: pcmaOffer('127.0.0.2', 40012), extra: [`Authorization: ${digestAuthorization(first, USER, PASSWORD, 'INVITE', ruri)}`] });
    const ok = await inv.waitFinal(8000);
    assert.equal(ok.status, 200, ok.raw);
    await u.ack(inv, ok);
    assert.equal((await u.request(inv, 'BYE')).status, 200);
    h.directory.update(TRUNK, { registrationEnabled: false });
    try {
      const off = await u.invite({ ruri, from: `<sip:${CALLER}@${DOMAIN}>`, body: pcmaOffer('127.0.0.2', 40012) }).waitFinal();
      assert.equal(off.status, 403, 'without registration the trunk (auth_mode ip) wants a whitelisted source');
      assert.equal(off.header('x-trunkline-finding'), 'acl.not-whitelisted');
    } finally {
      h.directory.update(TRUNK, { registrationEnabled: true });
    }
  });

  test('a stale registration (the PBX gone without unregistering) costs the caller the no-response time of a flow, not Timer B: the next contact answers', async () => {
    await clean();
    const gone = await pbx('udp', '127.0.0.2');
    const live = await pbx('udp', '127.0.0.4');
    live.onRequest = (m, reply) => {
      if (m.method === 'INVITE') reply(200, 'OK', [`Contact: ${live.contact}`], pcmaOffer('127.0.0.4', 40014));
      else if (m.method !== 'ACK') reply(200, 'OK');
    };
    assert.equal((await new RegisterClient(live, USER, PASSWORD, DOMAIN).register({ contacts: ['<sip:live@127.0.0.3:5003>;q=0.4'], expires: 300 })).final.status, 200);
    assert.equal((await new RegisterClient(gone, USER, PASSWORD, DOMAIN).register({ contacts: ['<sip:gone@127.0.0.3:5004>;q=0.9'], expires: 300 })).final.status, 200);
    await gone.close();
    const sid = await testCall();
    const rec = await h.calls.wait((r) => r.call_sid === sid && r.status === 'completed', 8000);
    assert.ok(rec.events.some((e) => e.kind === 'failover' && e.detail.startsWith('timeout')), JSON.stringify(rec.events));
    assert.ok(live.requests.some((m) => m.method === 'INVITE'));
  });

  test('bindings expire by the clock: then an inbound call with no destination URI is 480 with routing.no-registered-contact; a destination URI is the fallback', async () => {
    await clean();
    const u = await pbx();
    const c = new RegisterClient(u, USER, PASSWORD, DOMAIN);
    assert.equal((await c.register({ contacts: ['<sip:pbx1@127.0.0.2:5999>'], expires: 60 })).final.status, 200);
    clock.offset += 61_000;
    try {
      assert.deepEqual(bindingsOf((await c.register()).final), []);
      const sid = await testCall();
      const rec = await h.calls.wait((r) => r.call_sid === sid && r.final_code !== null);
      assert.equal(rec.final_code, 480);
      assert.equal(rec.edge_cause, 'no-registered-contact');
      assert.ok(rec.events.some((e) => e.detail === 'no registered contact on the trunk'));

      const dest = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
      uacs.push(dest);
      dest.onRequest = (m, reply) => {
        if (m.method === 'INVITE') reply(200, 'OK', [`Contact: ${dest.contact}`], pcmaOffer('127.0.0.1', 40006));
        else if (m.method !== 'ACK') reply(200, 'OK');
      };
      h.directory.update(TRUNK, { destinations: [{ uri: `sip:127.0.0.1:${dest.local.port}`, priority: 0, weight: 1 }] });
      const sid2 = await testCall();
      await dest.waitRequest((m) => m.method === 'INVITE');
      await h.calls.wait((r) => r.call_sid === sid2 && r.status === 'completed');
    } finally {
      clock.offset -= 61_000;
      h.directory.update(TRUNK, { destinations: [] });
    }
  });
});
