import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CallFeed } from '../../src/app/call-feed.js';
import { silentLogger } from '../../src/core/index.js';
import type { CallRecord, CallRecordStore } from '../../src/store/index.js';

// The call event stream's source hands each saved record to its account's subscribers once the
// store has it. Issue 13: holding every record through its write — also when nobody listens —
// kept each call's trace and evidence alive past two scavenges, into the old generation.

function record(sid: string, account: string | null): CallRecord {
  return {
    call_sid: sid, account_sid: account, trunk_sid: null, direction: 'outbound', from: '+919876541111', to: '+919876540000',
    source_address: '127.0.0.1:5060', transport: 'udp', sip_call_id: `${sid}@pbx`, status: 'completed',
    started_at: '2026-12-05T10:00:00Z', answered_at: null, ended_at: '2026-12-05T10:00:05Z', final_code: 200, final_reason: 'OK', final_by: 'carrier',
    end_cause: null, edge_cause: null, duration_s: 5, setup_ms: 12, findings: [], events: [],
    trace: [{ at: '2026-12-05T10:00:00.000Z', leg: 'customer', direction: 'in', transport: 'udp', src: 'a', dst: 'b', summary: 'INVITE', message: 'INVITE sip:x SIP/2.0\r\n\r\n' }],
    media: null, node_id: null,
  };
}

/** A store whose writes finish only when the test says. */
function heldStore(): { store: CallRecordStore; commit: () => void } {
  const waiting: (() => void)[] = [];
  return {
    store: { save: () => new Promise<void>((resolve) => void waiting.push(resolve)), get: async () => undefined, list: async () => ({ calls: [], next_page_token: null }) } as unknown as CallRecordStore,
    commit: () => { for (const w of waiting.splice(0)) w(); },
  };
}

test('the feed delivers a record to its account\'s subscribers once saved, and holds none through the write when nobody listens', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const feed = new CallFeed(silentLogger);
  const { store, commit } = heldStore();
  const calls = feed.observe(store);

  let unheard: WeakRef<CallRecord> | undefined;
  const quiet = (() => {
    const r = record('c-quiet', 'acme');
    unheard = new WeakRef(r);
    return calls.save(r);
  })();
  const got: string[] = [];
  const stop = feed.subscribe('acme', (r) => void got.push(r.call_sid));
  let heard: WeakRef<CallRecord> | undefined;
  const loud = (() => {
    const r = record('c-heard', 'acme');
    heard = new WeakRef(r);
    return calls.save(r);
  })();
  await new Promise((r) => setImmediate(r));
  gc();
  assert.equal(unheard!.deref(), undefined, 'saved while nobody listened: not kept while its write is pending');
  assert.ok(heard!.deref(), 'saved with a subscriber: kept to be handed over');
  assert.deepEqual(got, [], 'nothing before the store has it');
  commit();
  await Promise.all([quiet, loud]);
  assert.deepEqual(got, ['c-heard'], 'a stream that began during a write streams from the next save');
  stop();
});
