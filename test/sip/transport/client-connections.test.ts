import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequest, SipHeaders, type SipResponse, type TransportProtocol } from '../../../src/sip/index.js';
import { startStack, testCertificate } from './stack.js';

// RFC 3261 §18.1.1 / §18.2.2 from the client side: requests we originate open TCP and TLS
// connections (TLS verified against the peer's certificate, RFC 5922), and reuse them.
const cert = testCertificate();

function options(port: number, protocol: TransportProtocol) {
  return createRequest({
    method: 'OPTIONS', uri: `sip:ping@127.0.0.1:${port};transport=${protocol}`,
    headers: new SipHeaders([['Max-Forwards', '70'], ['From', '<sip:edge@127.0.0.1>;tag=a1'], ['To', '<sip:ping@127.0.0.1>'], ['Call-ID', `cc-${protocol}-${Math.random()}`], ['CSeq', '1 OPTIONS']]),
  });
}

for (const protocol of ['tcp', 'tls'] as const) {
  test(`a request sent as a client transaction over ${protocol.toUpperCase()} opens a connection, gets its 200, and the next one reuses it`, { skip: protocol === 'tls' && !cert ? 'openssl not installed: no test certificate' : false }, async () => {
    const tlsOpts = cert ? { tls: cert, tlsClient: { ca: cert.cert } } : {};
    const a = await startStack('127.0.0.1', tlsOpts);
    const b = await startStack('127.0.0.1', tlsOpts);
    try {
      const to = { protocol, address: '127.0.0.1', port: b.port[protocol], serverName: 'localhost' };
      const ask = () => new Promise<SipResponse | string>((resolve) => {
        a.layer.sendRequest(options(to.port, protocol), to, { onFinal: (r) => resolve(r), onTimeout: (e) => resolve(e.code), onTransportError: (e) => resolve(e.message) });
      });
      const first = await ask();
      assert.equal(typeof first === 'string' ? first : first.status, 200);
      const second = await ask();
      assert.equal(typeof second === 'string' ? second : second.status, 200);
      const opened = a.events.filter((e) => e.type === 'connection' && e.state === 'open' && e.protocol === protocol);
      assert.equal(opened.length, 1, 'one connection for both requests');
    } finally {
      await a.close();
      await b.close();
    }
  });
}

test('a TLS peer whose certificate does not verify is a transport error reported to the TU', { skip: cert ? false : 'openssl not installed: no test certificate' }, async () => {
  const a = await startStack('127.0.0.1', { tls: cert!, tlsClient: { ca: cert!.cert } });
  const other = testCertificate()!;
  const b = await startStack('127.0.0.1', { tls: other });
  try {
    const to = { protocol: 'tls' as const, address: '127.0.0.1', port: b.port.tls, serverName: 'localhost' };
    const outcome = await new Promise<string>((resolve) => {
      a.layer.sendRequest(options(to.port, 'tls'), to, { onFinal: (r) => resolve(String(r.status)), onTransportError: (e) => resolve(e.code), onTimeout: (e) => resolve(e.code) });
    });
    assert.equal(outcome, 'SIP_TX_TRANSPORT_ERROR');
  } finally {
    await a.close();
    await b.close();
  }
});
