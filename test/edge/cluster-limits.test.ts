import { after, before, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { answerChallenge } from '../../src/sip/index.js';
import { RawUac, pcmaOffer, type InviteAttempt, type Msg } from './support/raw-uac.js';
import { CALLER, pbxTrunk, startCluster, type Cluster } from './support/cluster.js';

// Issue 15: two `trunkline serve` on one PostgreSQL + Redis count a trunk's limits as one
// edge. The simulator's 0180 number rings for ever, so every admitted call holds its
// concurrent slot while the others arrive; 6 INVITEs go at once, 3 to each node.
const RINGS = '+919876540180';

// One cluster of two nodes for the file (starting serve is the slow part); each test has its own trunk.
// Both nodes write and read call pcaps in one directory (serve --recordings-dir), as nodes sharing a mount would.
let c: Cluster;
const recordings = mkdtempSync(join(tmpdir(), 'trunkline-shared-recordings-'));
before(async () => {
  c = await startCluster(2, ['--recordings-dir', recordings]);
});
after(async () => {
  await c?.stop();
  rmSync(recordings, { recursive: true, force: true });
});

interface Outcome {
  readonly attempt: InviteAttempt;
  readonly pbx: RawUac;
  readonly first: Msg;
}

/** Sends one INVITE per entry of `pbxs` at once; each ends at its 180 (admitted) or its final response (refused). */
async function burst(pbxs: readonly RawUac[], domain: string): Promise<Outcome[]> {
  return Promise.all(pbxs.map(async (pbx) => {
    const attempt = pbx.invite({ ruri: `sip:${RINGS}@${domain}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
    const first = await attempt.waitFor((m) => m.status === 180 || (m.status ?? 0) >= 200, 8000);
    return { attempt, pbx, first };
  }));
}

async function cancelAll(admitted: readonly Outcome[]): Promise<void> {
  for (const o of admitted) {
    await o.pbx.cancel(o.attempt);
    assert.equal((await o.attempt.waitFinal(5000)).status, 487);
  }
}

test('max_concurrent_calls holds across two nodes: of 6 concurrent calls exactly 2 are admitted, 4 get 503 with Retry-After and trunk.concurrency-limited; a slot freed on one node is taken on the other', async () => {
  const pbxs: RawUac[] = [];
  const trunk = await pbxTrunk(c.nodes[0], 'pbx_conc', { max_concurrent_calls: 2 });
  const { domain } = trunk;
  try {
    for (let i = 0; i < 6; i++) pbxs.push(await new RawUac('udp', { host: '127.0.0.1', port: c.nodes[i % 2].sip }).open());
    const out = await burst(pbxs, domain);
    const admitted = out.filter((o) => o.first.status === 180);
    const refused = out.filter((o) => o.first.status !== 180);
    assert.equal(admitted.length, 2, out.map((o) => o.first.start).join(' | '));
    for (const o of refused) {
      assert.equal(o.first.status, 503, o.first.raw);
      assert.equal(o.first.header('x-trunkline-finding'), 'trunk.concurrency-limited');
      assert.ok(Number(o.first.header('retry-after')) >= 1, o.first.raw);
    }
    // The refusals are on the records of the nodes that refused, in the shared store, each naming its node.
    for (const o of refused) {
      const sid = o.first.header('x-trunkline-call-sid')!;
      // Written by the refusing node a moment after its 503 (records are saved in batches): looked for until it is there.
      let rec = await c.nodes[1].api<{ status: string; node_id: string; findings: { id: string }[] } | null>('GET', `/v2/accounts/${c.account}/calls/${sid}`);
      for (let i = 0; i < 50 && !rec.json.response.data; i++) {
        await new Promise((res) => setTimeout(res, 100));
        rec = await c.nodes[1].api('GET', `/v2/accounts/${c.account}/calls/${sid}`);
      }
      assert.ok(rec.json.response.data, `record ${sid}: ${JSON.stringify(rec.json)}`);
      const data = rec.json.response.data!;
      assert.equal(data.status, 'refused');
      assert.equal(data.node_id, `node-${pbxs.indexOf(o.pbx) % 2}`);
      assert.ok(data.findings.some((f) => f.id === 'trunk.concurrency-limited'));
    }
    // One admitted call ends: the next INVITE gets the slot, whichever node it reaches.
    const [gone, kept] = admitted;
    await cancelAll([gone]);
    // pbxs[i] talks to node i % 2: the next one in the list talks to the other node.
    const [again] = await burst([pbxs[(pbxs.indexOf(gone.pbx) + 1) % pbxs.length]], domain);
    assert.equal(again.first.status, 180, again.first.raw);
    await cancelAll([kept, again]);
  } finally {
    await Promise.all(pbxs.map((p) => p.close()));
    await trunk.remove();
  }
});

test('calls_per_minute holds across two nodes: of 6 concurrent calls exactly 3 pass, 3 get 503 trunk.rate-limited with the seconds until a slot frees', async () => {
  const pbxs: RawUac[] = [];
  const trunk = await pbxTrunk(c.nodes[0], 'pbx_rate', { calls_per_minute: 3 });
  const { domain } = trunk;
  try {
    for (let i = 0; i < 6; i++) pbxs.push(await new RawUac('udp', { host: '127.0.0.1', port: c.nodes[i % 2].sip }).open());
    const out = await burst(pbxs, domain);
    const admitted = out.filter((o) => o.first.status === 180);
    assert.equal(admitted.length, 3, out.map((o) => o.first.start).join(' | '));
    for (const o of out.filter((x) => x.first.status !== 180)) {
      assert.equal(o.first.status, 503, o.first.raw);
      assert.equal(o.first.header('x-trunkline-finding'), 'trunk.rate-limited');
      const retry = Number(o.first.header('retry-after'));
      assert.ok(retry >= 1 && retry <= 60, o.first.raw);
    }
    await cancelAll(admitted);
  } finally {
    await Promise.all(pbxs.map((p) => p.close()));
    await trunk.remove();
  }
});

/**
 * A digest-only trunk, a PBX facing each node, and the first node's MD5 challenge; call() places
 * a call with the given Authorization and hangs it up if answered.
 */
async function digestSetup(name: string, user: string, password: string) {
  const [a, b] = await Promise.all(c.nodes.map((n) => new RawUac('udp', { host: '127.0.0.1', port: n.sip }).open()));
  const trunk = await pbxTrunk(c.nodes[0], name, { auth_mode: 'digest' });
  const done = async () => {
    await Promise.all([a.close(), b.close()]);
    await trunk.remove();
  };
  try {
    const cred = await c.nodes[0].api('POST', `/v2/accounts/${c.account}/trunks/${trunk.trunkSid}/credentials`, { user_name: user, password });
    assert.equal(cred.status, 200, JSON.stringify(cred.json));
    const ruri = `sip:+919876540000@${trunk.domain}`;
    const challenged = await a.invite({ ruri, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() }).waitFinal(5000);
    assert.equal(challenged.status, 401, challenged.raw);
    const challenge = challenged.all('www-authenticate').find((v) => /algorithm=MD5/.test(v)) ?? challenged.header('www-authenticate')!;
    const answer = (nc = 1) => answerChallenge(challenge, { username: user, password }, 'INVITE', ruri, { nc });
    const call = async (uac: RawUac, authorization: string) => {
      const inv = uac.invite({ ruri, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer(), extra: [`Authorization: ${authorization}`] });
      const final = await inv.waitFinal(8000);
      if (final.status === 200) {
        await uac.ack(inv, final);
        assert.equal((await uac.request(inv, 'BYE')).status, 200);
      }
      return final;
    };
    return { a, b, answer, call, done };
  } catch (err) {
    await done();
    throw err;
  }
}

test('a digest nonce issued by one node is accepted by another (RFC 7616 §3.3: the nonce key is the cluster\'s)', async () => {
  const d = await digestSetup('pbx_digest', 'pbxc', 'Cluster-pass-1');
  try {
    const ok = await d.call(d.b, d.answer());
    assert.equal(ok.status, 200, ok.raw);
  } finally {
    await d.done();
  }
});

test('RFC 7616 §3.4 across nodes: a nonce count used on one node is a replay on another (counts in Redis); a higher count is accepted there', async () => {
  const d = await digestSetup('pbx_nc', 'pbxn', 'Cluster-pass-2');
  try {
    const first = await d.call(d.a, d.answer(1));
    assert.equal(first.status, 200, first.raw);
    // The same credentials (nonce, nc=1) captured and sent to the other node.
    const replayed = await d.call(d.b, d.answer(1));
    assert.equal(replayed.status, 401, replayed.raw);
    assert.match(replayed.header('x-trunkline-finding') ?? '', /auth/, replayed.raw);
    const next = await d.call(d.b, d.answer(2));
    assert.equal(next.status, 200, next.raw);
  } finally {
    await d.done();
  }
});

test('a call recorded on one node is readable from the other node\'s API (shared --recordings-dir): the record shows the recording and GET …/pcap gives the file', async () => {
  const trunk = await pbxTrunk(c.nodes[0], 'pbx_rec');
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: c.nodes[1].sip }).open();
  try {
    const set = await c.nodes[0].api('POST', `/v2/accounts/${c.account}/trunks/${trunk.trunkSid}/settings`, { settings: [{ name: 'record_calls', value: 'true' }] });
    assert.equal(set.status, 200, JSON.stringify(set.json));
    const inv = pbx.invite({ ruri: `sip:+919876540000@${trunk.domain}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
    const ok = await inv.waitFinal(8000);
    assert.equal(ok.status, 200, ok.raw);
    await pbx.ack(inv, ok);
    const sid = ok.header('x-trunkline-call-sid')!;
    // While it is up, only the node carrying it can start a recording: the other says which node that is.
    let elsewhere = await c.nodes[0].api('POST', `/v2/accounts/${c.account}/calls/${sid}/recording`, {});
    for (let i = 0; i < 50 && elsewhere.status === 404; i++) {
      await new Promise((res) => setTimeout(res, 100));
      elsewhere = await c.nodes[0].api('POST', `/v2/accounts/${c.account}/calls/${sid}/recording`, {});
    }
    assert.equal(elsewhere.status, 409, JSON.stringify(elsewhere.json));
    assert.match(JSON.stringify(elsewhere.json), /up on node node-1/);
    assert.equal((await c.nodes[1].api('POST', `/v2/accounts/${c.account}/calls/${sid}/recording`, {})).status, 200);
    assert.equal((await pbx.request(inv, 'BYE')).status, 200);
    let rec: { status: string; node_id: string; recording: { status: string; pcap_uri: string } | null } | undefined;
    for (let i = 0; i < 80; i++) {
      const r = await c.nodes[0].api<NonNullable<typeof rec>>('GET', `/v2/accounts/${c.account}/calls/${sid}`);
      rec = r.json.response.data;
      if (rec.status === 'completed' && rec.recording) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(rec?.node_id, 'node-1');
    assert.equal(rec?.recording?.status, 'completed');
    const res = await fetch(`http://127.0.0.1:${c.nodes[0].http}${rec.recording.pcap_uri}`, { headers: { authorization: c.nodes[0].auth } });
    assert.equal(res.status, 200);
    const pcap = Buffer.from(await res.arrayBuffer());
    assert.equal(pcap.readUInt32LE(0), 0xa1b2c3d4, 'a pcap file');
    assert.ok(pcap.includes(Buffer.from(`INVITE sip:+919876540000@${trunk.domain}`)), 'with the call\'s INVITE');
  } finally {
    await pbx.close();
    await trunk.remove();
  }
});

test('a node started under a --node-id a live node already holds refuses to start with APP_NODE_ID_IN_USE (the two would hide each other\'s loss)', async () => {
  await assert.rejects(c.add(['--node-id', 'node-0', '--node-timeout', '1']), /APP_NODE_ID_IN_USE: node id node-0 is held by a live node/);
  // The live node-0 is untouched.
  assert.equal((await c.nodes[0].api('GET', `/v2/accounts/${c.account}/calls?page_size=1`)).status, 200);
});
