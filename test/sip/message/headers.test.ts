import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipHeaders, parseMessage, canonicalName, headerKey } from '../../../src/sip/index.js';

const msg = (head: string, body = ''): Buffer =>
  Buffer.from(`${head.replace(/\n/g, '\r\n')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);

const BASE = `OPTIONS sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1
From: <sip:alice@example.com>;tag=1
To: <sip:bob@example.com>
Call-ID: x@y
CSeq: 1 OPTIONS
Max-Forwards: 70`;

test('header names are case-insensitive and compact forms are the same header (RFC 3261 §7.3.3)', () => {
  const m = parseMessage(msg(`${BASE}\nm: <sip:a@h1>\nCONTACT: <sip:b@h2>\nk: timer\nsupported: 100rel`));
  assert.deepEqual(m.headers.getAll('contact'), ['<sip:a@h1>', '<sip:b@h2>']);
  assert.deepEqual(m.headers.getAll('Supported'), ['timer', '100rel']);
  assert.equal(m.headers.get('i'), 'x@y');
  assert.equal(headerKey('I'), 'call-id');
  assert.equal(canonicalName('call-id'), 'Call-ID');
  assert.equal(canonicalName('x-my-header'), 'X-My-Header');
  assert.equal(canonicalName('www-authenticate'), 'WWW-Authenticate');
});

test('comma-separated values are split outside quotes and <> only, and never for Authorization-like headers', () => {
  const m = parseMessage(
    msg(`${BASE}
Contact: "Doe, John" <sip:j@h;x=a,b>;q=0.5, <sip:k@h>
Route: <sip:p1;lr>,<sip:p2;lr>
WWW-Authenticate: Digest realm="a, b", nonce="n", qop="auth,auth-int"
Date: Sat, 13 Nov 2010 23:29:00 GMT
X-Unknown: a, b`),
  );
  const h = m.headers;
  assert.deepEqual(h.getAll('Contact'), ['"Doe, John" <sip:j@h;x=a,b>;q=0.5', '<sip:k@h>']);
  assert.equal(h.get('Contact'), '"Doe, John" <sip:j@h;x=a,b>;q=0.5');
  const contacts = h.contacts();
  assert.ok(contacts !== '*');
  assert.equal(contacts[0].displayName, 'Doe, John');
  assert.equal(contacts[0].params.get('q'), '0.5');
  assert.deepEqual(h.routes().map((r) => r.uri), ['sip:p1;lr', 'sip:p2;lr']);
  assert.equal(h.getAll('WWW-Authenticate').length, 1);
  const [challenge] = h.wwwAuthenticate();
  assert.equal(challenge.scheme, 'Digest');
  assert.equal(challenge.params.get('realm'), 'a, b');
  assert.equal(challenge.params.get('qop'), 'auth,auth-int');
  assert.deepEqual(h.getAll('Date'), ['Sat, 13 Nov 2010 23:29:00 GMT']);
  assert.deepEqual(h.getAll('X-Unknown'), ['a, b']);
});

test('Contact: * is the wildcard of RFC 3261 §10.2.2', () => {
  const m = parseMessage(msg(`${BASE.replace('OPTIONS sip', 'REGISTER sip').replace('1 OPTIONS', '1 REGISTER')}\nContact: *\nExpires: 0`));
  assert.equal(m.headers.contacts(), '*');
});

test('Via values carry transport, sent-by, branch, received, rport (RFC 3581), maddr and ttl', () => {
  const m = parseMessage(
    msg(
      BASE.replace(
        'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1',
        'Via: SIP/2.0/udp [2001:db8::1]:5062;branch=z9hG4bKa;rport;maddr=224.2.0.1;ttl=16, SIP/2.0/TCP b.example.com:5060;branch=z9hG4bKb;received=192.0.2.9;rport=40000',
      ),
    ),
  );
  const [top, second] = m.headers.via();
  assert.equal(top.transport, 'UDP');
  assert.equal(top.host, '2001:db8::1');
  assert.equal(top.port, 5062);
  assert.equal(top.rport, true);
  assert.equal(top.maddr, '224.2.0.1');
  assert.equal(top.ttl, 16);
  assert.equal(second.received, '192.0.2.9');
  assert.equal(second.rport, 40000);
  assert.equal(second.port, 5060);
  assert.equal(m.headers.topVia(), top);
});

test('set, append, prepend and remove keep order and invalidate parsed values', () => {
  const h = new SipHeaders([
    ['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1'],
    ['Max-Forwards', '70'],
    ['v', 'SIP/2.0/UDP b;branch=z9hG4bK2'],
  ]);
  assert.equal(h.via().length, 2);
  h.prepend('Via', 'SIP/2.0/UDP proxy;branch=z9hG4bK0');
  assert.deepEqual(h.via().map((v) => v.host), ['proxy', 'a', 'b']);
  h.set('Max-Forwards', '69');
  assert.equal(h.maxForwards(), 69);
  h.set('via', 'SIP/2.0/TCP only;branch=z9hG4bK9');
  assert.deepEqual(h.via().map((v) => v.host), ['only']);
  assert.deepEqual([...h].map(([n]) => n), ['Via', 'Max-Forwards']);
  h.append('X-Trace', 'a');
  assert.equal(h.remove('x-trace'), 1);
  assert.equal(h.has('X-Trace'), false);
  assert.equal(h.get('X-Trace'), undefined);
});

test('changing one header keeps the other headers parsed; the changed one and its compact form are parsed again', () => {
  const h = new SipHeaders([
    ['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1'],
    ['From', '<sip:alice@a>;tag=1'],
    ['To', '<sip:bob@b>'],
    ['CSeq', '1 INVITE'],
  ]);
  const from = h.from();
  const cseq = h.cseq();
  h.set('Via', 'SIP/2.0/UDP a;branch=z9hG4bK1;rport=5060;received=10.0.0.1');
  h.append('Contact', '<sip:alice@10.0.0.1>');
  h.remove('X-None');
  assert.equal(h.from(), from, 'From kept its parse');
  assert.equal(h.cseq(), cseq, 'CSeq kept its parse');
  assert.equal(h.topVia()?.received, '10.0.0.1');
  const to = h.to();
  assert.ok(!to?.tag);
  h.set('t', '<sip:bob@b>;tag=9');
  assert.notEqual(h.to(), to);
  assert.equal(h.to()?.tag, '9');
  const contactUris = () => {
    const c = h.contacts();
    return c === '*' ? ['*'] : c.map((x) => x.uri);
  };
  assert.deepEqual(contactUris(), ['sip:alice@10.0.0.1']);
  h.prepend('m', '<sip:alice@10.0.0.2>');
  assert.deepEqual(contactUris(), ['sip:alice@10.0.0.2', 'sip:alice@10.0.0.1']);
});

test('CSeq must fit in 31 bits and Max-Forwards in 0–255 (RFC 3261 §8.1.1.5, §20.22)', () => {
  assert.throws(() => parseMessage(msg(BASE.replace('CSeq: 1 OPTIONS', 'CSeq: 2147483648 OPTIONS'))), { code: 'SIP_PARSE_BAD_HEADER' });
  assert.throws(() => parseMessage(msg(BASE.replace('Max-Forwards: 70', 'Max-Forwards: 256'))), { code: 'SIP_PARSE_BAD_HEADER' });
  const ok = parseMessage(msg(BASE.replace('CSeq: 1 OPTIONS', 'CSeq: 2147483647 OPTIONS')));
  assert.equal(ok.headers.cseq()!.seq, 2147483647);
});

test('a header parsed lazily reports its own name when malformed', () => {
  const m = parseMessage(msg(`${BASE}\nContact: <sip:a@h`));
  assert.throws(() => m.headers.contacts(), (err: Error & { code?: string; details?: Record<string, unknown> }) => {
    assert.equal(err.code, 'SIP_PARSE_BAD_HEADER');
    assert.equal(err.details?.['header'], 'Contact');
    return true;
  });
});

test('the top Via is read alone, and follows every change of the Via lines', () => {
  // Only the top value is parsed: a broken lower Via is via()'s to report, not topVia()'s.
  const h = new SipHeaders([
    ['Via', 'SIP/2.0/UDP edge.example.com;branch=z9hG4bKtop, SIP/2.0/UDP ;;broken'],
    ['Via', 'SIP/2.0/UDP pbx.example.com;branch=z9hG4bKlow'],
  ]);
  assert.equal(h.topVia()?.branch, 'z9hG4bKtop');
  assert.throws(() => h.via());
  // A stamp on top (the transaction layer's), a replacement, a removal: each seen at once.
  h.prepend('Via', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKstamp');
  assert.equal(h.topVia()?.branch, 'z9hG4bKstamp');
  h.set('v', 'SIP/2.0/TCP other.example.com;branch=z9hG4bKset');
  assert.equal(h.topVia()?.transport, 'TCP');
  assert.deepEqual(h.via().map((v) => v.branch), ['z9hG4bKset']);
  // Once every Via is parsed, the top one is that parse's.
  assert.equal(h.topVia(), h.via()[0]);
  h.remove('Via');
  assert.equal(h.topVia(), undefined);
  assert.deepEqual(h.via(), []);
});

test('set replaces a single line where it stands and folds several lines into one at the first', () => {
  const h = new SipHeaders([['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1'], ['To', '<sip:bob@b>'], ['Route', '<sip:p1>'], ['Route', '<sip:p2>'], ['CSeq', '1 INVITE']]);
  const kept = h.clone();
  h.set('To', '<sip:bob@b>;tag=7');
  h.set('Route', '<sip:p3>');
  assert.deepEqual([...h], [['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1'], ['To', '<sip:bob@b>;tag=7'], ['Route', '<sip:p3>'], ['CSeq', '1 INVITE']]);
  assert.equal(h.to()?.tag, '7');
  // A clone made before is its own: the set changed only h.
  assert.deepEqual(kept.getAll('To'), ['<sip:bob@b>']);
  assert.deepEqual(kept.getAll('Route'), ['<sip:p1>', '<sip:p2>']);
});
