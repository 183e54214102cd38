import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawUac, pcmaOffer } from '../edge/support/raw-uac.js';
import { serve } from '../edge/support/serve.js';

const CALLER = '+919876541111';

test('calls API: an outbound call and a refusal through `trunkline serve` show record, findings and trace; config changes apply to the next call; /metrics counts them', async () => {
  const s = await serve();
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: s.sip }).open();
  try {
    const trunk = await s.api<{ trunk_sid: string; domain_name: string }>('POST', `/v2/accounts/${s.account}/trunks`, { trunk_name: 'pbx1', nso_code: 'ANY-ANY', domain_name: `${s.account}.pstn.localhost` });
    assert.equal(trunk.status, 200, JSON.stringify(trunk.json));
    const { trunk_sid: sid, domain_name: domain } = trunk.json.response.data;
    assert.equal((await s.api('POST', `/v2/accounts/${s.account}/trunks/${sid}/whitelisted-ips`, { ip: '127.0.0.1', mask: 32 })).status, 200);
    assert.equal((await s.api('POST', `/v2/accounts/${s.account}/trunks/${sid}/phone-numbers`, { phone_number: CALLER, mode: 'pstn' })).status, 200);

    const inv = pbx.invite({ ruri: `sip:+919876540000@${domain}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
    const ok = await inv.waitFinal();
    assert.equal(ok.status, 200, ok.raw);
    await pbx.ack(inv, ok);
    assert.equal((await pbx.request(inv, 'BYE')).status, 200);
    const okSid = ok.header('x-trunkline-call-sid')!;

    const refused = await pbx.invite({ ruri: `sip:+919876540000@${domain}`, from: `<sip:+919876549999@127.0.0.1>`, body: pcmaOffer() }).waitFinal();
    assert.equal(refused.status, 404);
    assert.match(refused.header('reason') ?? '', /not mapped to the trunk/);
    const refusedSid = refused.header('x-trunkline-call-sid')!;

    // Provisioning changes apply to the next call with no restart.
    assert.equal((await s.api('PUT', `/v2/accounts/${s.account}/trunks/${sid}`, { status: 'inactive' })).status, 200);
    const inactive = await pbx.invite({ ruri: `sip:+919876540000@${domain}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() }).waitFinal();
    assert.equal(inactive.status, 403);
    assert.equal(inactive.header('x-trunkline-finding'), 'trunk.inactive');

    const deadline = Date.now() + 5000;
    let list;
    do {
      list = await s.api<never>('GET', `/v2/accounts/${s.account}/calls?page_size=10`);
      if ((list.json.metadata as { total: number }).total >= 3) break;
      await new Promise((r) => setTimeout(r, 100));
    } while (Date.now() < deadline);
    assert.equal((list.json.metadata as { total: number }).total, 3);
    const filtered = await s.api<never>('GET', `/v2/accounts/${s.account}/calls?code=404`);
    assert.equal((filtered.json.metadata as { total: number }).total, 1);

    const one = await s.api<{ final_code: number; final_by: string; edge_cause: string; findings: { id: string }[]; events: unknown[] }>('GET', `/v2/accounts/${s.account}/calls/${refusedSid}`);
    assert.equal(one.status, 200);
    assert.equal(one.json.response.data.final_code, 404);
    assert.equal(one.json.response.data.final_by, 'edge');
    assert.equal(one.json.response.data.edge_cause, 'caller-not-mapped');
    assert.ok(one.json.response.data.findings.some((f) => f.id === 'routing.caller-not-mapped'), JSON.stringify(one.json.response.data.findings));

    const trace = await s.api<{ messages: { summary: string }[]; ladder: string }>('GET', `/v2/accounts/${s.account}/calls/${okSid}/trace`);
    assert.equal(trace.status, 200);
    assert.ok(trace.json.response.data.messages.some((m) => m.summary.startsWith('BYE ')));
    assert.match(trace.json.response.data.ladder, /INVITE sip:\+919876540000/);

    const metrics = await fetch(`http://127.0.0.1:${s.http}/metrics`).then((r) => r.text());
    assert.match(metrics, /trunkline_edge_calls_total\{code="200",trunk="trmum1[0-9a-f]+1a1n",direction="outbound",by="carrier"\} 1/);
    assert.match(metrics, /trunkline_edge_setup_seconds_bucket/);
    // The process's own series: event-loop delay and GC time explain a setup time that grows.
    assert.match(metrics, /^nodejs_eventloop_lag_p99_seconds \d/m);
    assert.match(metrics, /^nodejs_heap_size_used_bytes \d/m);
    assert.match(metrics, /^process_cpu_seconds_total \d/m);
  } finally {
    await pbx.close();
    await s.stop();
  }
});

test('POST test-calls: the PSTN simulator calls one of the account\'s numbers through the edge to the trunk\'s destination URI; the call_sid it returns is the record', async () => {
  const s = await serve();
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: s.sip }).open();
  try {
    const trunk = await s.api<{ trunk_sid: string }>('POST', `/v2/accounts/${s.account}/trunks`, { trunk_name: 'pbx2', nso_code: 'ANY-ANY', domain_name: `${s.account}.pstn.localhost` });
    const sid = trunk.json.response.data.trunk_sid;
    const DID = '+919876542222';
    assert.equal((await s.api('POST', `/v2/accounts/${s.account}/trunks/${sid}/whitelisted-ips`, { ip: '127.0.0.1', mask: 32 })).status, 200);
    assert.equal((await s.api('POST', `/v2/accounts/${s.account}/trunks/${sid}/phone-numbers`, { phone_number: DID, mode: 'pstn' })).status, 200);
    const dest = await s.api('POST', `/v2/accounts/${s.account}/trunks/${sid}/destination-uris`, { destinations: [{ destination: `127.0.0.1:${pbx.local.port};transport=udp` }] });
    assert.equal(dest.status, 200, JSON.stringify(dest.json));
    pbx.onRequest = (m, reply) => {
      if (m.method === 'INVITE') reply(200, 'OK', [`Contact: ${pbx.contact}`], pcmaOffer('127.0.0.1', 42000));
      else if (m.method !== 'ACK') reply(200, 'OK');
    };
    const placed = await s.api<{ call_sid: string }>('POST', `/v2/accounts/${s.account}/test-calls`, { to: DID });
    assert.equal(placed.status, 200, JSON.stringify(placed.json));
    const callSid = placed.json.response.data.call_sid;
    const invite = await pbx.waitRequest((r) => r.method === 'INVITE', 5000);
    assert.match(invite.start, /^INVITE sip:\+919876542222@127\.0\.0\.1/);
    const deadline = Date.now() + 5000;
    let rec;
    do {
      rec = await s.api<{ direction: string; final_code: number }>('GET', `/v2/accounts/${s.account}/calls/${callSid}`);
      if (rec.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    } while (Date.now() < deadline);
    assert.equal(rec.status, 200);
    assert.equal(rec.json.response.data.direction, 'inbound');
    assert.equal(rec.json.response.data.final_code, 200);
    const notMine = await s.api('POST', `/v2/accounts/${s.account}/test-calls`, { to: '+919876549999' });
    assert.equal(notMine.status, 404);
  } finally {
    await pbx.close();
    await s.stop();
  }
});
