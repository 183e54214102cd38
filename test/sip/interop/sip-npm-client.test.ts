import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startStack } from '../transport/stack.js';
import { freeUdpPort } from './kamailio.js';

// Issue 3 item 7: an independent SIP implementation (the npm `sip` package, CommonJS, its own
// parser and transaction layer) acts as a client against our UDP and TCP listeners.
interface NpmSipMessage {
  method?: string;
  uri?: string;
  status?: number;
  reason?: string;
  headers: Record<string, unknown>;
}
interface NpmSipStack {
  send(m: NpmSipMessage, cb?: (res: NpmSipMessage) => void): void;
  destroy(): void;
}
interface NpmSip {
  create(options: Record<string, unknown>, onRequest: (m: NpmSipMessage) => void): NpmSipStack;
}

const require = createRequire(import.meta.url);
const sip = ((): NpmSip | undefined => {
  try {
    return require('sip') as NpmSip;
  } catch {
    return undefined;
  }
})();

function final(client: NpmSipStack, m: NpmSipMessage): Promise<NpmSipMessage | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 5000);
    client.send(m, (res) => {
      if ((res.status ?? 0) >= 200) {
        clearTimeout(timer);
        resolve(res);
      }
    });
  });
}

function request(method: string, uri: string, n: number): NpmSipMessage {
  return {
    method,
    uri,
    headers: {
      to: { uri: 'sip:+919876540000@127.0.0.1' },
      from: { uri: 'sip:npm@127.0.0.1', params: { tag: `npm${n}` } },
      'call-id': `npm-sip-${method}-${n}-${Date.now()}`,
      cseq: { method, seq: n },
      'max-forwards': 70,
      'content-length': 0,
    },
  };
}

test('the npm sip package, as a client, gets 200 to OPTIONS over UDP and TCP and ACKs our 405 to INVITE', { skip: sip ? false : 'npm package sip not installed (devDependency)' }, async () => {
  const stack = await startStack('127.0.0.1');
  const port = await freeUdpPort();
  // publicAddress differs from our host: the package treats a Request-URI naming its own host as one of its flows.
  const client = sip!.create({ address: '127.0.0.1', publicAddress: 'npm-client.invalid', port, udp: true, tcp: true, logger: {} }, () => undefined);
  try {
    const udp = await final(client, request('OPTIONS', `sip:ping@127.0.0.1:${stack.port.udp}`, 1));
    assert.equal(udp?.status, 200, 'OPTIONS over UDP');
    assert.match(String((udp?.headers as Record<string, unknown>).allow ?? ''), /OPTIONS/);
    const tcp = await final(client, request('OPTIONS', `sip:ping@127.0.0.1:${stack.port.tcp};transport=tcp`, 2));
    assert.equal(tcp?.status, 200, 'OPTIONS over TCP');
    const invite = await final(client, request('INVITE', `sip:+919876540000@127.0.0.1:${stack.port.udp}`, 3));
    assert.equal(invite?.status, 405);
    for (let i = 0; i < 100 && stack.layer.stats.acksAbsorbed === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(stack.layer.stats.acksAbsorbed, 1, 'the sip package\'s ACK for the 405 matched our INVITE server transaction');
  } finally {
    client.destroy();
    await stack.close();
  }
});
