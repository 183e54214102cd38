import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { threadId as mainThreadId } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { TrunklineError } from '../../src/core/index.js';
import { CallsRepo, openStore, type CallRecord, type CallsDatabase, type CallsRepoOptions, type CallsWritten } from '../../src/store/index.js';
import { postgresTestStore, sqliteTestStore, type TestStore } from './support.js';

// Issue 13: on an SQLite file, serve's call-record batches are written by a worker thread on a
// connection of its own, so better-sqlite3's synchronous upserts leave the event loop that runs
// the SIP stack. What must still hold: a resolved save is visible to a read on the main
// connection, a call's saves keep their order, a refused record fails alone with the store's
// typed error, a lost thread loses no save and leaves none unsettled, close() writes what is pending.

function record(sid: string, over: Partial<CallRecord> = {}): CallRecord {
  return {
    call_sid: sid, account_sid: 'acct', trunk_sid: 'trunk', direction: 'outbound', from: '+919876541111', to: '+919876540000',
    source_address: '127.0.0.1:5060', transport: 'udp', sip_call_id: `${sid}@pbx`, status: 'in-progress',
    started_at: '2026-12-05T10:00:00Z', answered_at: null, ended_at: null, final_code: null, final_reason: null, final_by: null,
    end_cause: null, edge_cause: null, duration_s: null, setup_ms: 12, findings: [], events: [], trace: [], media: null, node_id: 'n1',
    ...over,
  };
}

const ended = (sid: string) => record(sid, { status: 'completed', final_code: 200, ended_at: '2026-12-05T10:00:05Z' });
/** Wider than any test takes: batches are written when the test drains, reads or closes. */
const MINUTES = 10 * 60_000;
const BOUNDED = { timeout: 60_000 };

/** The batches written while `body` runs, as published on trunkline:store:calls-written. */
async function watchingWrites<T>(body: (writes: CallsWritten[]) => Promise<T>): Promise<T> {
  const writes: CallsWritten[] = [];
  const on = (m: unknown) => void writes.push(m as CallsWritten);
  subscribe('trunkline:store:calls-written', on);
  try {
    return await body(writes);
  } finally {
    unsubscribe('trunkline:store:calls-written', on);
  }
}

/** A repo writing through the store's writer thread, as serve makes it; the losses it reports are kept. */
function threadedRepo(store: TestStore, options: CallsRepoOptions = {}): { repo: CallsRepo; lost: TrunklineError[] } {
  const lost: TrunklineError[] = [];
  const repo = new CallsRepo(store.conn.db as unknown as Kysely<CallsDatabase>, { writer: store.conn.recordWriter, onWriterLost: (e) => lost.push(e), ...options });
  return { repo, lost };
}

/** A read on the main connection that does not go through the repo (no drain): what is committed, nothing else. */
async function stored(store: TestStore, sid: string): Promise<{ status: string } | undefined> {
  return (store.conn.db as unknown as Kysely<CallsDatabase>).selectFrom('calls').select('status').where('call_sid', '=', sid).executeTakeFirst();
}

test('openStore writes call records on a thread for an SQLite file; inline when told, for an in-memory database and for PostgreSQL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-writer-'));
  try {
    const file = join(dir, 'a.db');
    const onFile = await openStore({ kind: 'sqlite', file });
    assert.deepEqual(onFile.recordWriter, { kind: 'thread', file });
    await onFile.close();
    const told = await openStore({ kind: 'sqlite', file }, { recordWriter: 'inline' });
    assert.deepEqual(told.recordWriter, { kind: 'inline' });
    await told.close();
    const memory = await openStore({ kind: 'sqlite', file: ':memory:' });
    assert.deepEqual(memory.recordWriter, { kind: 'inline' });
    await memory.close();
    const pg = await postgresTestStore();
    assert.deepEqual(pg.conn.recordWriter, { kind: 'inline' });
    await pg.cleanup();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a record saved through the writer thread is written on another thread and read back on the main connection as soon as its save resolves', BOUNDED, async () => {
  const store = await sqliteTestStore();
  const { repo } = threadedRepo(store);
  try {
    await watchingWrites(async (writes) => {
      await repo.save(record('c1', { status: 'failed', final_code: 486 }));
      assert.deepEqual(await stored(store, 'c1'), { status: 'failed' }, 'committed before the save resolved');
      assert.equal(writes.length, 1);
      assert.notEqual(writes[0].threadId, mainThreadId, 'the upsert ran on the writer thread, not the main one');
      assert.equal(writes[0].threadId, repo.writerThread?.threadId);
    });
  } finally {
    await repo.close();
    await store.cleanup();
  }
});

test('each call saved in progress and then, while that batch is on the thread, as completed is stored completed', BOUNDED, async () => {
  const store = await sqliteTestStore();
  const { repo } = threadedRepo(store, { windowMs: MINUTES });
  try {
    const sids = Array.from({ length: 300 }, (_, i) => `c${i}`);
    const first = sids.map((sid) => repo.save(record(sid)));
    // drain() posts the first batch (300 rows: two statements, one transaction) before the second saves are made.
    const draining = repo.drain();
    const last = sids.map((sid) => repo.save(ended(sid)));
    await Promise.all([...first, ...last, draining, repo.drain()]);
    const rows = await (store.conn.db as unknown as Kysely<CallsDatabase>).selectFrom('calls').select(['call_sid', 'status']).execute();
    assert.equal(rows.length, 300);
    assert.deepEqual(rows.filter((r) => r.status !== 'completed'), []);
  } finally {
    await repo.close();
    await store.cleanup();
  }
});

test('close() writes the saves still pending before the writer thread ends, and later saves are written on the main connection', BOUNDED, async () => {
  const store = await sqliteTestStore();
  const { repo } = threadedRepo(store, { windowMs: MINUTES });
  try {
    await watchingWrites(async (writes) => {
      const saves = [repo.save(record('a')), repo.save(record('b')), repo.save(ended('a'))];
      await repo.close();
      await Promise.all(saves);
      assert.equal((await stored(store, 'a'))?.status, 'completed');
      assert.ok(await stored(store, 'b'));
      assert.equal(repo.writerThread, undefined, 'the thread has ended');
      assert.notEqual(writes[0].threadId, mainThreadId);
      await Promise.all([repo.save(record('after')), repo.drain()]);
      assert.ok(await stored(store, 'after'));
      assert.equal(writes.at(-1)?.threadId, mainThreadId);
    });
  } finally {
    await store.cleanup();
  }
});

test('the writer thread ended with a batch unacknowledged: that batch is written again on the main connection, the loss is reported as STORE_WRITER_LOST, and later saves go to a new thread', BOUNDED, async () => {
  const store = await sqliteTestStore();
  const { repo, lost } = threadedRepo(store, { windowMs: MINUTES });
  const file = (store.conn.recordWriter as { file: string }).file;
  const blocker = new SqliteDatabase(file);
  try {
    await watchingWrites(async (writes) => {
      await Promise.all([repo.save(record('warm')), repo.drain()]);
      const first = repo.writerThread!;
      // Another connection holds the write lock: the thread's upsert waits for it (busy_timeout), so the
      // batch is certainly unacknowledged when the thread is terminated.
      blocker.exec('BEGIN IMMEDIATE');
      const inFlight = repo.save(record('c1'));
      const draining = repo.drain();
      const ending = first.terminate();
      blocker.exec('COMMIT');
      await ending;
      await Promise.all([inFlight, draining]);
      assert.ok(await stored(store, 'c1'), 'the unacknowledged save is stored and its promise resolved');
      assert.equal(lost.length, 1);
      assert.equal(lost[0].code, 'STORE_WRITER_LOST');
      assert.equal(lost[0].details.next, 'thread');
      assert.equal(lost[0].details.rows, 1, 'the batch was unacknowledged when the thread ended');
      assert.equal(writes.at(-1)?.threadId, mainThreadId, 'written again on the main connection');

      const later = [repo.save(record('c2')), repo.save(ended('c1'))];
      await Promise.all([...later, repo.drain()]);
      assert.equal((await stored(store, 'c1'))?.status, 'completed');
      assert.ok(await stored(store, 'c2'));
      const second = repo.writerThread;
      assert.ok(second && second.threadId !== first.threadId, 'a new thread');
      assert.equal(writes.at(-1)?.threadId, second.threadId);
    });
  } finally {
    if (blocker.inTransaction) blocker.exec('ROLLBACK');
    blocker.close();
    await repo.close();
    await store.cleanup();
  }
});

test('a writer thread lost three times is not started again: later batches are written on the main connection, and every save lands', BOUNDED, async () => {
  const store = await sqliteTestStore();
  const { repo, lost } = threadedRepo(store, { windowMs: MINUTES });
  try {
    await watchingWrites(async (writes) => {
      for (let i = 0; i < 3; i++) {
        await Promise.all([repo.save(record(`c${i}`)), repo.drain()]);
        await repo.writerThread!.terminate();
      }
      assert.deepEqual(lost.map((e) => e.details.next), ['thread', 'thread', 'main']);
      await Promise.all([repo.save(record('c3')), repo.drain()]);
      assert.equal(repo.writerThread, undefined);
      assert.equal(writes.at(-1)?.threadId, mainThreadId);
      for (const sid of ['c0', 'c1', 'c2', 'c3']) assert.ok(await stored(store, sid), sid);
    });
  } finally {
    await repo.close();
    await store.cleanup();
  }
});

test('a writer thread that cannot open the database: the batch is written on the main connection at once, and so are the next ones', BOUNDED, async () => {
  const store = await sqliteTestStore();
  const lost: TrunklineError[] = [];
  // The thread is pointed at a file it cannot open; the repo's own connection is the store's.
  const repo = new CallsRepo(store.conn.db as unknown as Kysely<CallsDatabase>, {
    writer: { kind: 'thread', file: join(tmpdir(), 'trunkline-no-such-dir', 'nested', 'x.db') }, onWriterLost: (e) => lost.push(e),
  });
  try {
    await repo.save(record('c1'));
    assert.ok(await stored(store, 'c1'));
    assert.equal(lost.length, 1);
    assert.equal(lost[0].code, 'STORE_WRITER_LOST');
    assert.equal(lost[0].details.next, 'main');
    await repo.save(record('c2'));
    assert.ok(await stored(store, 'c2'));
    assert.equal(lost.length, 1, 'not tried again');
  } finally {
    await repo.close();
    await store.cleanup();
  }
});

test('a record on its way to the writer thread is not kept by the repo: only its row, until the commit', BOUNDED, async () => {
  // Issue 13: kept through the write's round trip, each call's record (trace, evidence, events)
  // outlived two scavenges and was promoted to the old generation. Its row is kept, for a lost thread's batch to be written again.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-writer-'));
  const file = join(dir, 'trunkline.db');
  const conn = await openStore({ kind: 'sqlite', file });
  await conn.migrate();
  const repo = new CallsRepo(conn.db as unknown as Kysely<CallsDatabase>, { writer: conn.recordWriter });
  // Another connection holds SQLite's write lock: the thread's upsert waits for it (busy timeout).
  const lock = new SqliteDatabase(file);
  lock.exec('BEGIN IMMEDIATE');
  try {
    let ref: WeakRef<CallRecord> | undefined;
    const save = (() => {
      const r = record('c-weak', { status: 'completed', final_code: 200, trace: [{ at: '2026-12-05T10:00:00.000Z', leg: 'customer', direction: 'in', transport: 'udp', src: 'a', dst: 'b', summary: 'INVITE', message: 'INVITE sip:x SIP/2.0\r\n\r\n' }] });
      ref = new WeakRef(r);
      return repo.save(r);
    })();
    let settled = false;
    void save.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 50)); // flushed: the row is on the thread, which waits for the lock
    gc();
    assert.equal(settled, false, 'the write is still waiting for the lock');
    assert.equal(ref!.deref(), undefined, 'the record itself was let go once its row was built');
    lock.exec('COMMIT');
    await save;
    assert.deepEqual(await (conn.db as unknown as Kysely<CallsDatabase>).selectFrom('calls').select('status').where('call_sid', '=', 'c-weak').executeTakeFirst(), { status: 'completed' });
  } finally {
    if (lock.inTransaction) lock.exec('ROLLBACK');
    lock.close();
    await repo.close();
    await conn.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a row the writer thread cannot be sent (a value postMessage cannot clone) is written on the main connection: its save fails alone, the rest of its batch is stored', BOUNDED, async () => {
  const store = await sqliteTestStore();
  const { repo, lost } = threadedRepo(store, { windowMs: MINUTES });
  try {
    const good = repo.save(ended('c-good'));
    const bad = repo.save(record('c-bad', { from: (() => '+919876541111') as unknown as string }));
    await repo.drain();
    await good;
    await assert.rejects(bad, (err: TrunklineError) => err.code === 'STORE_WRITE_FAILED');
    assert.deepEqual(await stored(store, 'c-good'), { status: 'completed' });
    assert.equal(await stored(store, 'c-bad'), undefined);
    assert.equal(lost.length, 0, 'the thread was not lost over it');
    const next = repo.save(ended('c-next'));
    await repo.drain();
    await next;
    assert.deepEqual(await stored(store, 'c-next'), { status: 'completed' }, 'later batches go on');
  } finally {
    await repo.close();
    await store.cleanup();
  }
});
