import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { serve, type Served } from './support/serve.js';
import { freeUdpPort } from './support/kamailio.js';
import { CALLER, DIALLED, makeNetworks, netnsSkip, provision, startAgent, type Networks } from './support/agents.js';
import type { AgentReport } from './support/strict-ua.js';

// Issue 11 item 1: with SIP on the wildcard (serve's default 0.0.0.0) the edge gives each peer
// the address it reaches the edge at — in the Contact of the 200 to the PBX and of the INVITE to
// the carrier (and back for inbound calls), in Via, and in the SDP of each leg — never 0.0.0.0.
// The peers are StrictUa processes that behave like other hosts: ACK and BYE go to the Contact
// the edge gave, responses to its Via, RTP to its SDP. In network namespaces (a PBX network and
// a carrier network, each reaching only the edge's address on its own link) a wrong address
// fails the call; on loopback aliases, --public-address / --media-address are checked.

interface TraceMessage {
  readonly leg: string;
  readonly direction: 'in' | 'out';
  readonly src: string;
  readonly dst: string;
  readonly message: string;
}

interface Side {
  readonly bind: string;
  readonly ns?: string;
}

interface Setup {
  readonly s: Served;
  readonly domain: string;
  readonly pbx: Side & { readonly port: number };
  readonly carrier: Side & { readonly port: number };
  /** The edge's address as each peer is configured with it (its proxy / the carrier's gateway). */
  readonly edgeForPbx: string;
  readonly edgeForCarrier: string;
}

/** The PBX calls out: PBX (uac) → edge → carrier (uas); the PBX hangs up through the edge's Contact. */
async function outbound(t: Setup): Promise<{ pbx: AgentReport; carrier: AgentReport; record: string; trace: TraceMessage[] }> {
  const carrier = await startAgent({ role: 'uas', bind: t.carrier.bind, sipPort: t.carrier.port, hangup: false }, t.carrier.ns);
  const pbx = await startAgent({ role: 'uac', bind: t.pbx.bind, edge: { host: t.edgeForPbx, port: t.s.sip }, ruri: `sip:${DIALLED}@${t.domain}`, from: `<sip:${CALLER}@${t.domain}>`, hangup: true }, t.pbx.ns);
  try {
    const [p, c] = await Promise.all([pbx.done, carrier.done]);
    return { pbx: p, carrier: c, ...(await recordOf(t.s, p.callSid, [p, c])) };
  } finally {
    pbx.kill();
    carrier.kill();
  }
}

/** The carrier calls in: carrier (uac) → edge → PBX at the trunk's destination URI (uas); the PBX hangs up. */
async function inbound(t: Setup): Promise<{ pbx: AgentReport; carrier: AgentReport; record: string; trace: TraceMessage[] }> {
  const pbx = await startAgent({ role: 'uas', bind: t.pbx.bind, sipPort: t.pbx.port, hangup: true }, t.pbx.ns);
  const carrier = await startAgent({ role: 'uac', bind: t.carrier.bind, sipPort: t.carrier.port, edge: { host: t.edgeForCarrier, port: t.s.sip }, ruri: `sip:${CALLER}@${t.edgeForCarrier}`, from: '<sip:+919876500001@carrier.example>', hangup: false }, t.carrier.ns);
  try {
    const [p, c] = await Promise.all([pbx.done, carrier.done]);
    return { pbx: p, carrier: c, ...(await recordOf(t.s, c.callSid, [p, c])) };
  } finally {
    pbx.kill();
    carrier.kill();
  }
}

async function recordOf(s: Served, sid: string | undefined, reports: readonly AgentReport[]): Promise<{ record: string; trace: TraceMessage[] }> {
  assert.ok(sid, `the edge named the call sid; PBX and carrier saw: ${JSON.stringify(reports)}`);
  const base = `/v2/accounts/${s.account}/calls/${sid}`;
  for (let i = 0; i < 50; i++) {
    const r = await s.api<{ status: string }>('GET', base);
    if (r.status === 200 && r.json.response.data.status === 'completed') {
      const trace = await s.api<{ messages: TraceMessage[] }>('GET', `${base}/trace`);
      return { record: JSON.stringify(r.json), trace: trace.json.response.data.messages };
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.fail(`call ${sid} did not complete; PBX and carrier saw: ${JSON.stringify(reports)}`);
}

function assertCompleted(r: AgentReport, who: string): void {
  assert.deepEqual(r.errors, [], `${who}: ${JSON.stringify(r)}`);
  assert.ok(r.rtpSent > 0 && r.rtpReceived > 0, `${who}: RTP both ways through the relay: ${JSON.stringify(r)}`);
}

/** Every address the edge gave this peer, and where its in-dialog requests went. */
function assertGiven(r: AgentReport, sip: string, media: string, who: string): void {
  assert.equal(r.contact?.host, sip, `${who}: the edge's Contact: ${JSON.stringify(r)}`);
  assert.equal(r.sdp?.host, media, `${who}: the SDP c= the edge gave: ${JSON.stringify(r)}`);
  assert.equal(r.origin, media, `${who}: the SDP o= the edge gave`);
  if (r.via) assert.equal(r.via.host, sip, `${who}: the edge's Via sent-by`);
}

function assertNoWildcard(record: string, trace: readonly TraceMessage[]): void {
  assert.doesNotMatch(record, /0\.0\.0\.0|"\[::\]/, 'the call record never shows a wildcard');
  for (const m of trace) {
    assert.doesNotMatch(`${m.src} ${m.dst}`, /^0\.0\.0\.0|\[::\]| 0\.0\.0\.0/, `trace ${m.direction} ${m.message.split('\r\n')[0]}`);
    assert.doesNotMatch(m.message, /(Contact|Via):[^\r\n]*(0\.0\.0\.0|\[::\])/i, `no wildcard in ${m.message.split('\r\n')[0]}`);
  }
}

/** The ACK and the BYE from the caller arrived at the edge (through the Contact the edge gave). */
function assertAckAndByeArrived(trace: readonly TraceMessage[], leg: 'customer' | 'carrier', byeFrom: 'customer' | 'carrier'): void {
  assert.ok(trace.some((m) => m.leg === leg && m.direction === 'in' && m.message.startsWith('ACK ')), `ACK from the ${leg} in the trace`);
  assert.ok(trace.some((m) => m.leg === byeFrom && m.direction === 'in' && m.message.startsWith('BYE ')), `BYE from the ${byeFrom} in the trace`);
}

/** Both calls completed with RTP both ways, each peer given its addresses (SIP, SDP), no wildcard recorded. */
function assertCall(r: { pbx: AgentReport; carrier: AgentReport; record: string; trace: TraceMessage[] }, pbx: readonly [string, string], carrier: readonly [string, string]): void {
  assertCompleted(r.pbx, 'PBX');
  assertCompleted(r.carrier, 'carrier');
  assertGiven(r.pbx, pbx[0], pbx[1], 'PBX');
  assertGiven(r.carrier, carrier[0], carrier[1], 'carrier');
  assertNoWildcard(r.record, r.trace);
}

const nsSkip = netnsSkip();

describe('a PBX and a carrier on two other networks (network namespaces), serve on 0.0.0.0', { skip: nsSkip }, () => {
  let nets: Networks;
  let t: Setup;
  before(async () => {
    nets = makeNetworks();
    const s = await serve(['--sip-host', '0.0.0.0', '--carrier', `sip:${nets.carrier.peer}:5060;transport=udp`]);
    const { domain } = await provision(s, nets.pbx.peer, 5062).catch(async (err: unknown) => {
      await s.stop();
      throw err;
    });
    t = {
      s, domain, edgeForPbx: nets.pbx.edge, edgeForCarrier: nets.carrier.edge,
      pbx: { bind: nets.pbx.peer, ns: nets.pbx.ns, port: 5062 },
      carrier: { bind: nets.carrier.peer, ns: nets.carrier.ns, port: 5060 },
    };
  });
  after(async () => {
    await t?.s.stop();
    nets?.remove();
  });

  test('outbound: the 200 OK to the PBX carries a Contact and SDP on the PBX network, the INVITE to the carrier a Via, Contact and SDP on the carrier network; ACK and BYE reach the edge through its Contact; RTP flows both ways', async () => {
    const r = await outbound(t);
    assert.equal(r.pbx.finalStatus, 200);
    assertCall(r, [nets.pbx.edge, nets.pbx.edge], [nets.carrier.edge, nets.carrier.edge]);
    assert.deepEqual(r.pbx.ackSentTo, { host: nets.pbx.edge, port: t.s.sip });
    assert.equal(r.pbx.byeStatus, 200, 'the BYE sent to the Contact was answered');
    assert.ok(r.carrier.ackReceived && r.carrier.byeReceived, 'the carrier got the ACK and the BYE');
    assertAckAndByeArrived(r.trace, 'customer', 'customer');
  });

  test('inbound: the carrier gets a Contact and SDP on its network; the PBX at the destination URI gets Via, Contact and SDP on its own and hangs up through that Contact; RTP flows both ways', async () => {
    const r = await inbound(t);
    assert.equal(r.carrier.finalStatus, 200);
    assertCall(r, [nets.pbx.edge, nets.pbx.edge], [nets.carrier.edge, nets.carrier.edge]);
    assert.ok(r.pbx.ackReceived, 'the PBX got the ACK for its 200');
    assert.equal(r.pbx.byeStatus, 200, 'the PBX\'s BYE to the edge\'s Contact was answered');
    assert.ok(r.carrier.byeReceived, 'the edge relayed the BYE to the carrier');
    assertAckAndByeArrived(r.trace, 'carrier', 'customer');
  });
});

describe('serve on 0.0.0.0 with a PBX on 127.0.0.2 and a carrier on 127.0.0.3', () => {
  async function setup(extra: readonly string[]): Promise<Setup> {
    const carrierPort = await freeUdpPort('127.0.0.3');
    const pbxPort = await freeUdpPort('127.0.0.2');
    const s = await serve(['--sip-host', '0.0.0.0', '--carrier', `sip:127.0.0.3:${carrierPort};transport=udp`, ...extra]);
    const { domain } = await provision(s, '127.0.0.2', pbxPort).catch(async (err: unknown) => {
      await s.stop();
      throw err;
    });
    return { s, domain, edgeForPbx: '127.0.0.1', edgeForCarrier: '127.0.0.1', pbx: { bind: '127.0.0.2', port: pbxPort }, carrier: { bind: '127.0.0.3', port: carrierPort } };
  }

  test('with no address configured each side is given the local address its packets leave from (127.0.0.1 on loopback), never 0.0.0.0, both ways', async () => {
    const t = await setup([]);
    try {
      const out = await outbound(t);
      assertCall(out, ['127.0.0.1', '127.0.0.1'], ['127.0.0.1', '127.0.0.1']);
      assertAckAndByeArrived(out.trace, 'customer', 'customer');
      assertCall(await inbound(t), ['127.0.0.1', '127.0.0.1'], ['127.0.0.1', '127.0.0.1']);
    } finally {
      await t.s.stop();
    }
  });

  test('--public-address 127.0.0.5 is the Contact, Via and SDP address on both legs; ACK, BYE and RTP reach the edge there', async () => {
    const t = await setup(['--public-address', '127.0.0.5']);
    try {
      const out = await outbound(t);
      assertCall(out, ['127.0.0.5', '127.0.0.5'], ['127.0.0.5', '127.0.0.5']);
      assert.deepEqual(out.pbx.ackSentTo, { host: '127.0.0.5', port: t.s.sip });
      assert.equal(out.pbx.byeStatus, 200);
      assertAckAndByeArrived(out.trace, 'customer', 'customer');
    } finally {
      await t.s.stop();
    }
  });

  test('--media-address (TRUNKLINE_MEDIA_ADDRESS) changes only the SDP: Contact and Via stay on --public-address, both ways', async () => {
    process.env.TRUNKLINE_MEDIA_ADDRESS = '127.0.0.6';
    let t: Setup;
    try {
      t = await setup(['--public-address', '127.0.0.5']);
    } finally {
      delete process.env.TRUNKLINE_MEDIA_ADDRESS;
    }
    try {
      assertCall(await outbound(t), ['127.0.0.5', '127.0.0.6'], ['127.0.0.5', '127.0.0.6']);
      assertCall(await inbound(t), ['127.0.0.5', '127.0.0.6'], ['127.0.0.5', '127.0.0.6']);
    } finally {
      await t.s.stop();
    }
  });
});
