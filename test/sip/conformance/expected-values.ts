import assert from 'node:assert/strict';
import { type SipMessage, type SipRequest, type SipResponse, parseUri } from '../../../src/sip/index.js';

/**
 * The values RFC 4475 and RFC 5118 say each valid message parses to (their prose, section by
 * section), and the facts an application needs for the answers the manifests name (420, 415,
 * 483, 501, …), which are decided above the parser.
 */
type Check = (m: SipMessage) => void;

const req = (m: SipMessage): SipRequest => {
  assert.equal(m.kind, 'request');
  return m as SipRequest;
};
const res = (m: SipMessage): SipResponse => {
  assert.equal(m.kind, 'response');
  return m as SipResponse;
};

export const EXPECTED_VALUES: Readonly<Record<string, Check>> = {
  // RFC 4475 §3.1.1.1: folding, compact forms, odd case, leading zeros, LWS around separators.
  wsinv(m) {
    const r = req(m);
    const h = r.headers;
    assert.equal(r.method, 'INVITE');
    assert.equal(r.requestUri.user, 'vivekg');
    assert.equal(r.requestUri.host, 'chair-dnrc.example.com');
    assert.equal(r.requestUri.params.get('unknownparam'), null);
    assert.equal(h.to()!.uri, 'sip:vivekg@chair-dnrc.example.com');
    assert.equal(h.to()!.tag, '1918181833n');
    assert.equal(h.from()!.displayName, 'J Rosenberg \\"');
    assert.equal(h.from()!.tag, '98asjd8');
    assert.equal(h.maxForwards(), 68);
    assert.equal(h.callId(), 'wsinv.ndaksdj@192.0.2.1');
    assert.deepEqual(h.cseq(), { seq: 9, method: 'INVITE' });
    assert.deepEqual(
      h.via().map((v) => [v.protocol, v.transport, v.host, v.branch]),
      [
        ['SIP/2.0', 'UDP', '192.0.2.2', '390skdjuw'],
        ['SIP/2.0', 'TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
        ['SIP/2.0', 'UDP', '192.168.255.111', 'z9hG4bK30239'],
      ],
    );
    assert.equal(h.get('s'), '');
    assert.equal(h.get('Subject'), '');
    assert.equal(h.get('NewFangledHeader'), 'newfangled value continued newfangled value');
    assert.equal(h.get('UnknownHeaderWithUnusualValue'), ';;,,;;,;');
    assert.equal(h.routes()[0].uri, 'sip:services.example.com;lr;unknownwith=value;unknown-no-value');
    const contacts = h.contacts();
    assert.ok(contacts !== '*');
    assert.equal(contacts[0].displayName, 'Quoted string ""');
    assert.equal(contacts[0].uri, 'sip:jdrosen@example.com');
    assert.equal(contacts[0].params.get('newparam'), 'newvalue');
    assert.equal(contacts[0].params.get('secondparam'), null);
    assert.equal(contacts[0].params.get('q'), '0.33');
    assert.equal(h.contentType()!.type, 'application/sdp');
    assert.equal(r.body.length, 150);
  },
  // §3.1.1.2: every legal token character in method, URI user/password, header names and params.
  intmeth(m) {
    const r = req(m);
    const method = "!interesting-Method0123456789_*+`.%indeed'~";
    assert.equal(r.method, method);
    assert.deepEqual(r.headers.cseq(), { seq: 139122385, method });
    assert.equal(r.requestUri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert.equal(r.requestUri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    assert.equal(r.requestUri.host, 'example.com');
    assert.equal(r.headers.to()!.displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
    assert.equal(r.headers.from()!.displayName, "token1~` token2'+_ token3*%!.-");
    assert.equal(r.headers.from()!.tag, "_token~1'+`*%!-.");
    assert.equal(r.headers.from()!.params.get("fromparam''~+*_!.-%"), '"работающий"');
    assert.equal(r.headers.callId(), "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
    assert.equal(r.headers.get("extensionHeader-!.%*+_`'~"), '\uFEFF大停電');
    assert.equal(r.headers.maxForwards(), 255);
  },
  // §3.1.1.3: escapes are decoded where the RFC says they are equivalent.
  esc01(m) {
    const r = req(m);
    assert.equal(r.requestUri.user, 'sips:user@example.com');
    assert.equal(r.requestUri.host, 'example.net');
    assert.equal(parseUri(r.headers.to()!.uri).user, 'user');
    assert.equal(parseUri(r.headers.from()!.uri).user, 'I have spaces');
    const c = r.headers.contacts();
    assert.ok(c !== '*');
    const uri = parseUri(c[0].uri);
    assert.equal(uri.user, 'caller');
    assert.equal(uri.params.get('lr'), null);
    assert.equal(uri.params.get('name'), 'value%41');
    assert.equal(r.headers.contentType()!.type, 'application/sdp');
  },
  // §3.1.1.4: %00 in a user part is legal and must survive.
  escnull(m) {
    const r = req(m);
    assert.equal(parseUri(r.headers.to()!.uri).user, 'null-\0-null');
    const c = r.headers.contacts();
    assert.ok(c !== '*');
    assert.deepEqual(c.map((x) => parseUri(x.uri).user), ['\0', '\0\0']);
    assert.equal(r.headers.contentLength(), 0);
  },
  // §3.1.1.5: escaped method is a different (unknown) method → 501 at the UAS; C%6Fntact is not Contact.
  esc02(m) {
    const r = req(m);
    assert.equal(r.method, 'RE%47IST%45R');
    assert.equal(r.headers.cseq()!.method, 'RE%47IST%45R');
    assert.equal(r.headers.to()!.displayName, '%Z%45');
    const c = r.headers.contacts();
    assert.ok(c !== '*');
    assert.equal(c.length, 2);
    assert.equal(r.headers.get('C%6Fntact'), '<sip:alias2@host2.example.com>');
    assert.equal(r.headers.topVia()!.branch, 'z9hG4bK209%fzsnel234');
  },
  lwsdisp(m) {
    const f = req(m).headers.from()!;
    assert.equal(f.displayName, 'caller');
    assert.equal(f.uri, 'sip:caller@example.com');
    assert.equal(f.tag, '323');
  },
  longreq(m) {
    const r = req(m);
    assert.equal(r.headers.via().length, 34);
    assert.equal(r.headers.topVia()!.host, 'sip33.example.com');
    assert.equal(r.headers.via()[33].received, '192.0.2.5');
    assert.ok(r.headers.to()!.displayName!.startsWith('I have a user name of extreme'));
    assert.equal(r.headers.to()!.displayName!.length, 103);
    assert.equal(parseUri(r.headers.to()!.uri).port, 6000);
    assert.equal(r.headers.cseq()!.seq, 3882340);
    assert.equal(r.body.length, 150);
  },
  // §3.1.1.8: Content-Length 0 — the INVITE after the REGISTER in the datagram is not a body.
  dblreq(m) {
    const r = req(m);
    assert.equal(r.method, 'REGISTER');
    assert.equal(r.body.length, 0);
  },
  semiuri(m) {
    const r = req(m);
    assert.equal(r.requestUri.user, 'user;par=u@example.net');
    assert.equal(r.requestUri.host, 'example.com');
    assert.equal(r.requestUri.params.size, 0);
    assert.equal(r.headers.getAll('Accept').length, 6);
  },
  transports(m) {
    assert.deepEqual(req(m).headers.via().map((v) => v.transport), ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
  },
  // §3.1.1.11: the multipart body is kept as bytes, binary octets intact.
  mpart01(m) {
    const r = req(m);
    assert.equal(r.headers.contentType()!.type, 'multipart/mixed');
    assert.equal(r.body.length, 553);
  },
  unreason(m) {
    const r = res(m);
    assert.equal(r.status, 200);
    assert.equal(r.reason, '= 2**3 * 5**2 но сто девяносто девять - простое');
    assert.equal(r.body.length, 154);
  },
  noreason(m) {
    const r = res(m);
    assert.equal(r.status, 100);
    assert.equal(r.reason, '');
  },
  // §3.2.1: a branch that is only the magic cookie is still a branch.
  badbranch(m) {
    assert.equal(req(m).headers.topVia()!.branch, 'z9hG4bK');
  },
  // §3.3.2 / §3.3.3: parsed fine; the scheme is what earns the 416.
  unkscm(m) {
    assert.equal(req(m).uri, 'nobodyKnowsThisScheme:totallyopaquecontent');
    assert.throws(() => req(m).requestUri, { code: 'SIP_PARSE_UNSUPPORTED_URI_SCHEME' });
  },
  novelsc(m) {
    assert.equal(req(m).uri, 'soap.beep://192.0.2.103:3002');
    assert.throws(() => req(m).requestUri, { code: 'SIP_PARSE_UNSUPPORTED_URI_SCHEME' });
  },
  unksm2(m) {
    const h = req(m).headers;
    assert.equal(h.to()!.uri, 'isbn:2983792873');
    assert.equal(h.from()!.uri, 'http://www.example.com');
    const c = h.contacts();
    assert.ok(c !== '*');
    assert.equal(c[0].uri, 'name:John_Smith');
  },
  // §3.3.5: the UAS/proxy answers 420 listing these in Unsupported.
  bext01(m) {
    const h = req(m).headers;
    assert.deepEqual(h.getAll('Require'), ['nothingSupportsThis', 'nothingSupportsThisEither']);
    assert.deepEqual(h.getAll('Proxy-Require'), ['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']);
  },
  // §3.3.6: 415 is the application's answer to this Content-Type.
  invut(m) {
    assert.equal(req(m).headers.contentType()!.type, 'application/unknownformat');
  },
  regaut01(m) {
    const [auth] = req(m).headers.authorization();
    assert.equal(auth.scheme, 'NoOneKnowsThisScheme');
    assert.equal(auth.params.get('opaque-data'), 'here');
  },
  bcast(m) {
    const v = res(m).headers.via();
    assert.equal(v.length, 2);
    assert.equal(v[1].host, '255.255.255.255');
  },
  // §3.3.11: a proxy answers 483, a UAS processes the OPTIONS.
  zeromf(m) {
    assert.equal(req(m).headers.maxForwards(), 0);
  },
  cparam01(m) {
    const c = req(m).headers.contacts();
    assert.ok(c !== '*');
    assert.equal(c[0].uri, 'sip:+19725552222@gw1.example.net');
    assert.equal(c[0].params.get('unknownparam'), null);
  },
  cparam02(m) {
    const c = req(m).headers.contacts();
    assert.ok(c !== '*');
    assert.equal(parseUri(c[0].uri).params.get('unknownparam'), null);
    assert.equal(c[0].params.size, 0);
  },
  regescrt(m) {
    const c = req(m).headers.contacts();
    assert.ok(c !== '*');
    assert.equal(parseUri(c[0].uri).headers.get('Route'), '<sip:sip.example.com>');
  },
  sdp01(m) {
    assert.equal(req(m).headers.get('Accept'), 'text/nobodyKnowsThis');
  },
  // §3.4.1: RFC 2543 request — no branch, no Max-Forwards, no Content-Length on UDP.
  inv2543(m) {
    const r = req(m);
    assert.equal(r.headers.topVia()!.branch, null);
    assert.equal(r.headers.maxForwards(), undefined);
    assert.equal(r.headers.contentLength(), undefined);
    assert.equal(r.body.length, 105);
  },
  // May-reject messages we accept: the fact the element acts on.
  baddate(m) {
    assert.deepEqual(req(m).headers.getAll('Date'), ['Fri, 01 Jan 2010 16:00:00 EST']);
  },
  // RFC 5118
  'ipv6-good'(m) {
    const r = req(m);
    assert.equal(r.requestUri.host, '2001:db8::10');
    assert.equal(r.headers.topVia()!.host, '2001:db8::9:1');
    const c = r.headers.contacts();
    assert.ok(c !== '*');
    assert.equal(parseUri(c[0].uri).host, '2001:db8::1');
  },
  'port-ambiguous'(m) {
    assert.equal(req(m).requestUri.host, '2001:db8::10:5070');
    assert.equal(req(m).requestUri.port, null);
  },
  'port-unambiguous'(m) {
    assert.equal(req(m).requestUri.host, '2001:db8::10');
    assert.equal(req(m).requestUri.port, 5070);
  },
  'via-received-param-with-delim'(m) {
    assert.equal(req(m).headers.topVia()!.received, '2001:db8::9:255');
  },
  'via-received-param-no-delim'(m) {
    assert.equal(req(m).headers.topVia()!.received, '2001:db8::9:255');
  },
  'ipv6-in-sdp'(m) {
    assert.match(req(m).body.toString(), /c=IN IP6 2001:db8::20/);
  },
  'mult-ip-in-header'(m) {
    const v = req(m).headers.via();
    assert.deepEqual(v.map((x) => [x.host, x.port]), [['2001:db8::9:1', 6050], ['192.0.2.1', null], ['2001:db8::9:255', null]]);
    assert.equal(v[2].received, '192.0.2.200');
  },
  'mult-ip-in-sdp'(m) {
    assert.match(req(m).body.toString(), /c=IN IP6 2001:db8::1/);
  },
  'ipv4-mapped-ipv6'(m) {
    const h = req(m).headers;
    assert.equal(h.topVia()!.host, '::ffff:192.0.2.10');
    assert.equal(h.topVia()!.port, 19823);
    const c = h.contacts();
    assert.ok(c !== '*');
    assert.equal(c[0].displayName, 'T. desk phone');
    assert.equal(parseUri(c[0].uri).host, '::ffff:192.0.2.2');
  },
  'ipv6-bug-abnf-3-colons'(m) {
    assert.equal(req(m).requestUri.host, '2001:db8::192.0.2.1');
    assert.equal(parseUri(req(m).headers.to()!.uri).host, '2001:db8::192.0.2.1');
  },
  'ipv6-correct-abnf-2-colons'(m) {
    assert.equal(req(m).requestUri.host, '2001:db8::192.0.2.1');
  },
};
