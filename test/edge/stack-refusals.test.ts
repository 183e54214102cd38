import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serve, type Served } from './support/serve.js';
import { exchange } from './support/datagram.js';

function header(msg: string, name: string): string | undefined {
  const head = msg.split('\r\n\r\n', 1)[0];
  return new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head)?.[1]?.trim();
}

function invite(account: string, opts: { callId?: string; maxForwards: number }): string {
  return [
    `INVITE sip:+4930123456@${account}.pstn.localhost SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK${Math.random().toString(16).slice(2)};rport`,
    `Max-Forwards: ${opts.maxForwards}`,
    'From: <sip:+4930999@pbx.example>;tag=abc',
    `To: <sip:+4930123456@${account}.pstn.localhost>`,
    ...(opts.callId ? [`Call-ID: ${opts.callId}`] : []),
    'CSeq: 1 INVITE',
    'Contact: <sip:pbx@127.0.0.1:5099>',
    'Content-Length: 0',
    '', '',
  ].join('\n');
}

async function record(s: Served, callSid: string): Promise<{ final_code: number; final_by: string; edge_cause: string; findings: { id: string }[]; trace?: { message: string }[] } | undefined> {
  // The record is saved just after the answer goes out: poll, bounded.
  for (let i = 0; i < 50; i++) {
    const r = await s.api<{ final_code: number; final_by: string; edge_cause: string; findings: { id: string }[] }>('GET', `/v2/accounts/${s.account}/calls/${callSid}`);
    if (r.status === 200) return r.json.response.data;
    await new Promise((res) => setTimeout(res, 100));
  }
  return undefined;
}

test('requests the SIP stack refuses (400 without Call-ID, 483 at Max-Forwards 0) carry Warning, X-Trunkline-Finding and X-Trunkline-Call-Sid and are recorded with their finding', async () => {
  const s = await serve();
  try {
    // RFC 3261 §8.1.1: Call-ID is mandatory; the transaction layer answers 400 itself.
    const bad = await exchange(s.sip, invite(s.account, { maxForwards: 70 }));
    assert.match(bad, /^SIP\/2\.0 400 /);
    assert.ok(header(bad, 'Warning'), bad);
    assert.equal(header(bad, 'X-Trunkline-Finding'), 'edge.malformed-request');
    const badSid = header(bad, 'X-Trunkline-Call-Sid');
    assert.match(badSid ?? '', /^[0-9a-f]{32}$/);

    // RFC 3261 §16.3 step 3: Max-Forwards 0 → 483 from the UAS core, before the B2BUA.
    const hops = await exchange(s.sip, invite(s.account, { callId: `mf0-${Date.now()}@pbx`, maxForwards: 0 }));
    assert.match(hops, /^SIP\/2\.0 483 /);
    assert.ok(header(hops, 'Warning'), hops);
    assert.ok(header(hops, 'Reason')?.startsWith('SIP;cause=483'), hops);
    const hopsFinding = header(hops, 'X-Trunkline-Finding');
    assert.ok(hopsFinding, hops);
    const hopsSid = header(hops, 'X-Trunkline-Call-Sid');
    assert.match(hopsSid ?? '', /^[0-9a-f]{32}$/);
    assert.notEqual(hopsSid, badSid);

    // The account comes from the Request-URI host ({account_sid}.{sip_domain}).
    const r400 = await record(s, badSid!);
    assert.ok(r400, 'the 400 is recorded under the account of its Request-URI');
    assert.equal(r400.final_code, 400);
    assert.equal(r400.final_by, 'edge');
    assert.equal(r400.edge_cause, 'malformed-request');
    assert.ok(r400.findings.some((f) => f.id === 'edge.malformed-request'), JSON.stringify(r400.findings));

    const r483 = await record(s, hopsSid!);
    assert.ok(r483, 'the 483 is recorded under the account of its Request-URI');
    assert.equal(r483.final_code, 483);
    assert.equal(r483.edge_cause, 'too-many-hops');
    assert.ok(r483.findings.some((f) => f.id === hopsFinding), JSON.stringify(r483.findings));

    const trace = await s.api<{ messages: { summary: string }[] }>('GET', `/v2/accounts/${s.account}/calls/${badSid}/trace`);
    assert.equal(trace.status, 200);
    const summaries = trace.json.response.data.messages.map((m) => m.summary);
    assert.ok(summaries.some((x) => x.startsWith('INVITE ')) && summaries.some((x) => x.startsWith('SIP/2.0 400')), summaries.join(' | '));
  } finally {
    await s.stop();
  }
});

test('a source spraying broken requests gets every answer, but only its record budget (20 per 10 s) is stored and named by a call sid', async () => {
  const s = await serve();
  try {
    const answers: string[] = [];
    for (let i = 0; i < 30; i++) answers.push(await exchange(s.sip, invite(s.account, { callId: `flood-${i}-${Date.now()}@pbx`, maxForwards: 0 })));
    assert.ok(answers.every((a) => /^SIP\/2\.0 483 /.test(a) && header(a, 'Warning') && header(a, 'X-Trunkline-Finding')), 'every request is answered and says why');
    const sids = answers.map((a) => header(a, 'X-Trunkline-Call-Sid')).filter((x): x is string => x !== undefined);
    assert.equal(sids.length, 20, 'a call sid only where a record stands behind it');
    for (const sid of [sids[0], sids[19]]) assert.ok(await record(s, sid), `record ${sid}`);
    const list = await s.api<unknown[]>('GET', `/v2/accounts/${s.account}/calls?code=483&page_size=100`);
    assert.equal(list.status, 200);
    assert.equal(list.json.response.length, 20, 'no rows for the requests over budget');
  } finally {
    await s.stop();
  }
});
