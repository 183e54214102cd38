import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isTrunklineError } from '../../../src/core/index.js';
import { type IncomingVerdict, type SipMessage, SipStreamFramer, parseMessage, serializeMessage, validateIncoming } from '../../../src/sip/index.js';
import { type CorpusEntry, corpusAvailable, loadCorpus, loadVariants } from './corpus.js';
import { EXPECTED_VALUES } from './expected-values.js';

// RFC 4475 / RFC 5118 / RFC 3665 messages, read from ../shared/corpus at run time; each is one
// UDP datagram. The manifest names the answer; this checks our parser + validateIncoming give it.
const skip = corpusAvailable() ? false : '../shared/corpus is not present (CI provides it)';
const corpus = skip ? [] : loadCorpus();

/** Answers that validateIncoming owns; other codes the manifests name are the application's. */
const OWNED = new Set([400, 416, 505, 513]);

function parse(data: Buffer): SipMessage | unknown {
  try {
    return parseMessage(data);
  } catch (err) {
    assert.ok(isTrunklineError(err) && err.code.startsWith('SIP_PARSE_'), `parse threw a non-SIP_PARSE error: ${String(err)}`);
    return err;
  }
}

function allowedOutcomes(e: CorpusEntry): { statuses: number[]; accept: boolean; drop: boolean } {
  const codes = e.expected_response_codes;
  if (codes && 'any' in codes && codes['any'].length === 0) return { statuses: [], accept: false, drop: true };
  if (!codes) return { statuses: e.expected === 'invalid' ? [400] : [], accept: e.expected === 'valid' || e.parser === 'may-reject', drop: false };
  const named = codes['uas'] ?? codes['udp'] ?? codes['registrar'] ?? codes['proxy'] ?? [];
  const statuses = named.filter((s) => OWNED.has(s));
  return { statuses, accept: statuses.length === 0 || named.some((s) => !OWNED.has(s)), drop: false };
}

function describeVerdict(v: IncomingVerdict): string {
  return v.action === 'respond' ? `respond ${v.status}` : v.action;
}

describe('RFC 4475 / RFC 5118 torture messages behave as the manifests say', { skip }, () => {
  for (const e of corpus.filter((x) => x.dir !== 'callflows')) {
    test(`${e.rfc} §${e.rfc_section} ${e.name}: ${e.title ?? ''}`, () => {
      assert.equal(e.data.length, e.bytes, 'file size differs from the manifest');
      const parsed = parse(e.data);
      const verdict = validateIncoming(parsed);
      const ok = allowedOutcomes(e);
      const got = describeVerdict(verdict);
      const allowed = [...ok.statuses.map((s) => `respond ${s}`), ...(ok.accept ? ['accept'] : []), ...(ok.drop ? ['drop'] : [])];
      assert.ok(allowed.includes(got), `${e.name}: got ${got}, manifest allows ${allowed.join(' | ')}`);
      if (e.parser === 'must-accept') assert.ok(!(parsed instanceof Error), `${e.name} must parse: ${String(parsed)}`);
      if (verdict.action === 'respond' && verdict.status === 400) {
        assert.match(verdict.warning ?? '', /^399 trunkline ".+"$/, 'a 400 carries a Warning naming the fault');
      }
      const check = EXPECTED_VALUES[e.name];
      if (!(parsed instanceof Error)) {
        const msg = parsed as SipMessage;
        if (e.expected === 'valid') assert.ok(check, `no expected values written down for valid message ${e.name}`);
        check?.(msg);
      }
    });
  }
});

describe('the 400 for a malformed request names the header at fault (RFC 4475 §3.1.2)', { skip }, () => {
  const expectations: Record<string, RegExp> = {
    badinv01: /Via/, clerr: /Content-Length/, ncl: /Content-Length/, scalar02: /CSeq/, quotbal: /To/, ltgtruri: /Request-URI/,
    lwsruri: /Request-Line/, lwsstart: /Request-Line/, trws: /Request-Line/, escruri: /Request-URI/, regbadct: /Contact/,
    badaspec: /To/, baddn: /From/, mismatch01: /CSeq/, mismatch02: /CSeq/, insuf: /Missing (To|From|Call-ID)/, multi01: /Multiple/,
    mcl01: /Content-Length/, 'ipv6-bad': /Request-URI/,
  };
  for (const [name, pattern] of Object.entries(expectations)) {
    test(`${name}: Warning matches ${pattern}`, () => {
      const e = corpus.find((x) => x.name === name)!;
      const v = validateIncoming(parse(e.data));
      assert.equal(v.action, 'respond');
      assert.ok(v.action === 'respond');
      assert.equal(v.status, 400);
      assert.match(v.warning!, pattern);
    });
  }
});

describe('RFC 3665 call-flow messages parse and round-trip', { skip }, () => {
  for (const e of corpus.filter((x) => x.dir === 'callflows')) {
    test(`${e.rfc} §${e.rfc_section} ${e.name}`, () => {
      const msg = parseMessage(e.data);
      assert.equal(msg.kind, e.kind);
      if (msg.kind === 'request') assert.equal(msg.method, e.method_or_status);
      else assert.equal(msg.status, Number(e.method_or_status));
      // A proxy sees responses with several Vias; a UA drops them (RFC 3261 §18.1.2).
      assert.equal(validateIncoming(msg, { role: 'proxy' }).action, 'accept');
      assert.equal(msg.body.length, e.actual_body_length);
      assertRoundTrip(msg);
    });
  }
});

describe('every message that parses round-trips: parse(serialize(m)) means the same', { skip }, () => {
  test('torture and IPv6 messages', () => {
    let n = 0;
    for (const e of corpus) {
      const parsed = parse(e.data);
      if (parsed instanceof Error) continue;
      assertRoundTrip(parsed as SipMessage);
      n++;
    }
    assert.ok(n >= 60, `only ${n} messages parsed`);
  });
  test('the variants (as-published RFC bytes) never crash the parser', () => {
    for (const v of loadVariants()) {
      const parsed = parse(v.data);
      const verdict = validateIncoming(parsed);
      assert.ok(['accept', 'respond', 'drop'].includes(verdict.action), v.file);
    }
  });
});

describe('over a stream (TCP/TLS) the corpus frames as it parses (RFC 3261 §18.3)', { skip }, () => {
  test('messages whose Content-Length matches their body come out whole, in 13-octet reads', () => {
    let framed = 0;
    for (const e of corpus) {
      const parsed = parse(e.data);
      if (parsed instanceof Error || (parsed as SipMessage).headers.contentLength() !== e.actual_body_length) continue;
      const framer = new SipStreamFramer();
      const out = [];
      for (let i = 0; i < e.data.length; i += 13) out.push(...framer.push(e.data.subarray(i, i + 13)));
      assert.deepEqual(out.map((x) => x.type), ['message'], e.name);
      const first = out[0];
      assert.ok(first.type === 'message');
      assert.ok(first.bytes.equals(e.data), e.name);
      framed++;
    }
    assert.ok(framed >= 70, `only ${framed} framed`);
  });
  test('RFC 4475 §3.4.1 inv2543 has no Content-Length: fine on UDP, a 400 on a stream', () => {
    const e = corpus.find((x) => x.name === 'inv2543')!;
    const [ev] = new SipStreamFramer().push(e.data);
    assert.ok(ev.type === 'error');
    assert.equal(ev.error.code, 'SIP_PARSE_MISSING_CONTENT_LENGTH');
    const v = validateIncoming(ev.error);
    assert.ok(v.action === 'respond');
    assert.equal(v.status, 400);
  });
});

function assertRoundTrip(msg: SipMessage): void {
  const again = parseMessage(serializeMessage(msg));
  assert.equal(again.kind, msg.kind);
  if (again.kind === 'request' && msg.kind === 'request') {
    assert.equal(again.method, msg.method);
    assert.equal(again.uri, msg.uri);
  }
  if (again.kind === 'response' && msg.kind === 'response') {
    assert.equal(again.status, msg.status);
    assert.equal(again.reason, msg.reason);
  }
  const fields = (m: SipMessage) => m.headers.fields().filter((f) => f.key !== 'content-length').map((f) => [f.key, f.value]);
  assert.deepEqual(fields(again), fields(msg));
  assert.equal(again.headers.contentLength(), msg.body.length);
  assert.ok(again.body.equals(msg.body));
  assert.deepEqual(again.headers.via(), msg.headers.via());
  assert.deepEqual(again.headers.cseq(), msg.headers.cseq());
}
