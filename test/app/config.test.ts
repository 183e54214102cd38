import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { isUsageError, loadConfig } from '../../src/app/index.js';
import { envName } from '../../src/cli/env-option.js';

test('the defaults are those of SPEC §7 and the config is frozen', () => {
  const c = loadConfig({});
  assert.equal(c.dataDir, resolve('./data'));
  assert.deepEqual(c.store, { kind: 'sqlite', file: join(resolve('./data'), 'trunkline.db') });
  assert.deepEqual(c.http, { host: '0.0.0.0', port: 8080 });
  assert.deepEqual(c.sip, { host: '0.0.0.0', port: 5070 });
  assert.deepEqual(c.rtpPorts, { lo: 10000, hi: 40000 });
  assert.equal(c.sipDomain, 'pstn.localhost');
  assert.equal(c.pstnSim, true);
  assert.equal(c.tls, null);
  assert.deepEqual(c.nsoCodes, ['ANY-ANY']);
  assert.equal(c.minWhitelistMask, 16);
  assert.equal(c.apiRateLimitPerMinute, 200);
  assert.equal(c.redisUrl, null);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.http) && Object.isFrozen(c.carriers));
});

test('a carrier turns the PSTN simulator off; --no-pstn-sim does too', () => {
  assert.equal(loadConfig({ carrier: ['sip:gw.example.com:5060;transport=udp'] }).pstnSim, false);
  assert.equal(loadConfig({ pstnSim: false }).pstnSim, false);
  assert.equal(loadConfig({ pstnSim: 'false' }).pstnSim, false, 'the environment form');
});

test('--db postgres://… selects PostgreSQL; TLS from files or self-signed', () => {
  assert.deepEqual(loadConfig({ db: 'postgres://u@db/x' }).store, { kind: 'postgres', url: 'postgres://u@db/x' });
  assert.equal(loadConfig({}).recordWriter, 'thread', 'call records on SQLite are written by a thread of their own unless --record-writer inline');
  assert.equal(loadConfig({ recordWriter: 'inline' }).recordWriter, 'inline');
  assert.equal(loadConfig({}).diagnoseIn, 'inline', 'ended calls are diagnosed on the SIP thread unless --diagnose-in thread');
  assert.equal(loadConfig({ diagnoseIn: 'thread' }).diagnoseIn, 'thread');
  assert.deepEqual(loadConfig({ tlsSelfSigned: true, tlsPort: '5061' }).tls, { port: 5061, mode: 'self-signed' });
  assert.equal(loadConfig({ tlsCert: 'c.pem', tlsKey: 'k.pem' }).tls?.mode, 'files');
});

test('the diagnosis limits default to the engine\'s own and take seconds from --media-window, --rtp-stop, --silence-threshold', () => {
  assert.deepEqual(loadConfig({}).diagnosis, { minMediaWindowMs: 2000, rtpStopMs: 5000, silenceMs: 10_000 });
  assert.equal(loadConfig({}).liveRefreshMs, 2000);
  assert.deepEqual(loadConfig({}).digestAlgorithms, ['SHA-256', 'MD5']);
  assert.deepEqual(loadConfig({ digestAlgorithms: 'md5' }).digestAlgorithms, ['MD5']);
  const c = loadConfig({ mediaWindow: '3', rtpStop: '0.5', silenceThreshold: '2.25', liveRefresh: '0' });
  assert.deepEqual(c.diagnosis, { minMediaWindowMs: 3000, rtpStopMs: 500, silenceMs: 2250 });
  assert.equal(c.liveRefreshMs, 0, '0 turns the live refresh off');
  assert.ok(Object.isFrozen(c.diagnosis));
  assert.equal(loadConfig({}).overloadDelayMs, 200, 'overload refusals from a 200 ms queue wait by default');
  assert.equal(loadConfig({ overloadDelay: '250' }).overloadDelayMs, 250);
  assert.equal(loadConfig({ overloadDelay: '0' }).overloadDelayMs, null, '0 turns them off');
});

test('a bad value is a usage error naming the flag and its rule', () => {
  const cases: [Parameters<typeof loadConfig>[0], RegExp][] = [
    [{ httpPort: 'abc' }, /--http-port must be a port number/],
    [{ sipPort: '65536' }, /--sip-port/],
    [{ rtpPorts: '10001-20000' }, /--rtp-ports .*LO even/],
    [{ sipDomain: 'not a domain' }, /--sip-domain/],
    [{ db: 'mysql://x' }, /--db must be a postgres/],
    [{ tlsCert: 'c.pem' }, /--tls-key is required/],
    [{ tlsSelfSigned: true, tlsCert: 'c', tlsKey: 'k' }, /--tls-self-signed cannot be combined/],
    [{ minMask: '8' }, /--min-mask/],
    [{ apiRateLimit: '0' }, /--api-rate-limit/],
    [{ carrier: ['not a uri'] }, /--carrier/],
    [{ redis: 'http://x' }, /--redis/],
    [{ silenceThreshold: 'ten' }, /--silence-threshold must be a number of seconds/],
    [{ silenceThreshold: '0' }, /--silence-threshold/],
    [{ mediaWindow: '-1' }, /--media-window/],
    [{ rtpStop: '1.23456' }, /--rtp-stop/],
    [{ liveRefresh: '0.05' }, /--live-refresh/],
    [{ digestAlgorithms: 'SHA-512' }, /--digest-algorithms/],
    [{ digestAlgorithms: 'MD5,MD5' }, /--digest-algorithms/],
    [{ recordWriter: 'fork' }, /--record-writer must be thread or inline/],
    [{ diagnoseIn: 'worker' }, /--diagnose-in must be thread or inline/],
    [{ overloadDelay: '0.5' }, /--overload-delay must be milliseconds 20–10000/],
    [{ overloadDelay: '5' }, /--overload-delay/],
    [{ overloadDelay: '99999' }, /--overload-delay/],
  ];
  for (const [raw, message] of cases) {
    assert.throws(() => loadConfig(raw), (err: unknown) => isUsageError(err) && message.test((err as Error).message), JSON.stringify(raw));
  }
});

test('every flag reads TRUNKLINE_<FLAG> from the environment', () => {
  assert.equal(envName('--http-port <n>'), 'TRUNKLINE_HTTP_PORT');
  assert.equal(envName('--data-dir <dir>'), 'TRUNKLINE_DATA_DIR');
  assert.equal(envName('--no-pstn-sim'), 'TRUNKLINE_NO_PSTN_SIM');
  assert.equal(envName('--carrier <uri>'), 'TRUNKLINE_CARRIER');
});

test('cluster flags: --node-id (default host name and pid), --node-timeout, --redis-prefix, --hep HOST:PORT, --recordings-dir', () => {
  const d = loadConfig({});
  assert.match(d.nodeId, new RegExp(`-${process.pid}$`));
  assert.equal(d.nodeTimeoutMs, 15_000);
  assert.equal(d.redisPrefix, 'trunkline:');
  assert.equal(d.hep, null);
  assert.equal(d.recordingsDir, join(resolve('./data'), 'recordings'));
  const c = loadConfig({ nodeId: 'edge-a.1', nodeTimeout: '2.5', redisPrefix: 'tl:prod:', hep: '[::1]:9060', recordingsDir: '/srv/recordings' });
  assert.equal(c.nodeId, 'edge-a.1');
  assert.equal(c.nodeTimeoutMs, 2500);
  assert.equal(c.redisPrefix, 'tl:prod:');
  assert.deepEqual(c.hep, { host: '::1', port: 9060 });
  assert.equal(c.recordingsDir, '/srv/recordings');
  assert.deepEqual(loadConfig({ hep: 'homer.example.com:9060' }).hep, { host: 'homer.example.com', port: 9060 });
  for (const bad of [{ nodeId: 'a b' }, { nodeTimeout: '0' }, { redisPrefix: 'x y' }, { hep: 'homer' }, { hep: '127.0.0.1:0' }]) {
    assert.throws(() => loadConfig(bad), isUsageError, JSON.stringify(bad));
  }
});

test('--public-address and --media-address: IP addresses peers reach ([v6] too), media defaulting to public; a wildcard or a name is bad usage naming the flag', () => {
  assert.equal(loadConfig({}).publicAddress, null);
  assert.equal(loadConfig({}).mediaAddress, null);
  const p = loadConfig({ publicAddress: '198.51.100.7' });
  assert.equal(p.publicAddress, '198.51.100.7');
  assert.equal(p.mediaAddress, '198.51.100.7', 'SDP defaults to the public address');
  const m = loadConfig({ publicAddress: '[2001:db8::5]', mediaAddress: '198.51.100.8' });
  assert.equal(m.publicAddress, '2001:db8::5');
  assert.equal(m.mediaAddress, '198.51.100.8');
  for (const [raw, flag] of [[{ publicAddress: '0.0.0.0' }, 'public-address'], [{ publicAddress: '::' }, 'public-address'], [{ mediaAddress: 'edge.example.com' }, 'media-address'], [{ mediaAddress: '300.1.1.1' }, 'media-address']] as const) {
    assert.throws(() => loadConfig(raw), (err: unknown) => isUsageError(err) && new RegExp(`--${flag} must be the IP address`).test((err as Error).message), JSON.stringify(raw));
  }
});
