// Bad input never crashes the reader: corpus captures cut at random points and with random
// bytes flipped either read to the end or stop with a CAP_* error carrying the byte offset.
// Bounded (fixed seed, few hundred variants of small files) so the test stays fast.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CaptureErrorCodes } from '../../src/capture/index.js';
import { isTrunklineError } from '../../src/core/index.js';
import { analyzeBytes } from './support/run.js';
import { seededRandom as rng } from '../support/prng.js';

const CORPUS = resolve(process.cwd(), '../shared/corpus/pcaps');
const SAMPLES = [
  'heplify__sip_ipv4_tcp.pcap',
  'heplify__sip_sctp.pcap',
  'heplify__sip_tcp_websocket.pcap',
  'sngrep__ipv6frag.pcap',
  'sngrep__ipip.pcap',
  'goffinet__sip-phone-to-phone.pcapng',
  'heplify__sip_ipv6_udp.pcap',
  'ndpi__sip_hello.pcapng',
];

/** Mulberry32: a small deterministic PRNG, so a failure can be replayed. */

test('truncated and bit-flipped real captures never throw: a typed CAP_* error with an offset, or a clean read', { skip: existsSync(CORPUS) ? false : 'corpus not present' }, async () => {
  const seed = 20260123;
  const rand = rng(seed);
  let variants = 0;
  for (const name of SAMPLES) {
    const original = readFileSync(resolve(CORPUS, name));
    for (let i = 0; i < 30; i++) {
      const b = Buffer.from(original.subarray(0, 24 + Math.floor(rand() * (original.length - 24))));
      const flips = Math.floor(rand() * 20);
      for (let k = 0; k < flips; k++) b[24 + Math.floor(rand() * (b.length - 24))] = Math.floor(rand() * 256);
      variants++;
      const r = await analyzeBytes(b, {}, 4096);
      for (const e of r.errors) {
        assert.ok(isTrunklineError(e) && e.code in CaptureErrorCodes, `${name} #${i} (seed ${seed}): ${String(e)}`);
        assert.equal(typeof e.details['offset'], 'number', `${name} #${i}: ${e.code} without an offset`);
      }
      const internal = r.summary.unreadable.find((u) => u.reason === 'internal dissector error');
      assert.equal(internal, undefined, `${name} #${i} (seed ${seed}): ${internal?.detail}`);
    }
  }
  assert.equal(variants, SAMPLES.length * 30);
});
