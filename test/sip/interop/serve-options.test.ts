import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { execFileSync } from 'node:child_process';
import { startServe, type RunningServe } from './serve.js';
import { options, statusLines, streamClient, udpExchange } from '../transport/stack.js';

// Issue 3 "done when": OPTIONS are answered over UDP, TCP and TLS (IPv4 and IPv6) by `trunkline serve`.
const hasOpenssl = (() => { try { execFileSync('openssl', ['version'], { stdio: 'ignore' }); return true; } catch { return false; } })();
const hasIpv6 = Object.values(networkInterfaces()).some((l) => l?.some((i) => i.address === '::1'));
let serve: RunningServe | undefined;

before(async () => {
  serve = await startServe(hasOpenssl ? ['--tls-self-signed', '--tls-port', '0'] : []);
});
after(async () => {
  await serve?.stop();
});

test('serve prints the SIP and TLS ports in its listening line', () => {
  assert.ok(serve!.ports.sip > 0);
  if (hasOpenssl) assert.ok((serve!.ports.tls ?? 0) > 0);
});

for (const host of ['127.0.0.1', '::1']) {
  const skipHost = host === '::1' && !hasIpv6 ? 'no IPv6 loopback on this host' : false;
  test(`trunkline serve answers OPTIONS over UDP on ${host} with 200`, { skip: skipHost }, async () => {
    const reply = await udpExchange(host, serve!.ports.sip, options(host, serve!.ports.sip, 'udp'), 3000);
    assert.match(reply ?? '(no reply)', /^SIP\/2\.0 200 OK\r\n/);
    assert.match(reply!, /\r\nAllow: [^\r]*OPTIONS/);
    // RFC 3261 §8.2.6.2: the UAS adds a To tag to a response outside a dialog.
    assert.match(reply!, /\r\n(To|t):[^\r]*;tag=[^\r;]+/i);
  });
  for (const protocol of ['tcp', 'tls'] as const) {
    const skip = skipHost || (protocol === 'tls' && !hasOpenssl ? 'openssl not installed: serve cannot make a self-signed certificate' : false);
    test(`trunkline serve answers OPTIONS over ${protocol.toUpperCase()} on ${host} with 200`, { skip }, async () => {
      const port = protocol === 'tls' ? serve!.ports.tls! : serve!.ports.sip;
      const c = await streamClient(protocol, host, port);
      try {
        c.write(options(host, port, protocol));
        assert.ok(await c.until((t) => statusLines(t).length > 0, 3000), `no answer; serve stderr: ${serve!.stderr().slice(-500)}`);
        assert.deepEqual(statusLines(c.text()), [200]);
      } finally {
        c.end();
      }
    });
  }
}
