import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDialectConfig } from 'kysely';
import { StatementCache } from '../../src/store/statement-cache.js';

// Issue 13: Kysely's SQLite driver prepares every query; the cache hands back the Statement
// prepared before for the same SQL text. It must change no result, never reuse a Statement
// that is still being iterated, and hold a bounded number of them.

interface T {
  items: { id: number; name: string; n: number };
}

function withFile<R>(run: (file: string) => Promise<R>): Promise<R> {
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-stmt-'));
  return run(join(dir, 'x.db')).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** The same work through Kysely over `database`: writes, reads with parameters, the same texts twice, a stream. */
async function workload(database: SqliteDialectConfig['database']): Promise<unknown[]> {
  const db = new Kysely<T>({ dialect: new SqliteDialect({ database }) });
  const out: unknown[] = [];
  try {
    await db.schema.createTable('items').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('name', 'text').addColumn('n', 'integer').execute();
    for (let i = 1; i <= 5; i++) out.push(await db.insertInto('items').values({ id: i, name: `item ${i}`, n: i * 10 }).executeTakeFirst());
    for (const min of [0, 20, 40, 20]) out.push(await db.selectFrom('items').selectAll().where('n', '>', min).orderBy('id').execute());
    out.push(await db.updateTable('items').set({ n: 7 }).where('id', '<=', 2).executeTakeFirst());
    out.push(await db.updateTable('items').set({ n: 8 }).where('id', '<=', 3).executeTakeFirst());
    out.push(await db.selectFrom('items').select(['id', 'n']).orderBy('id').execute());
    const streamed: unknown[] = [];
    for await (const row of db.selectFrom('items').selectAll().where('n', '>', 0).orderBy('id').stream()) streamed.push(row);
    out.push(streamed);
    out.push(await db.selectFrom('items').selectAll().where('n', '>', 0).orderBy('id').execute());
    out.push(await db.deleteFrom('items').where('id', '=', 5).executeTakeFirst());
    out.push(await db.selectFrom('items').select((eb) => eb.fn.countAll<number>().as('c')).execute());
  } finally {
    await db.destroy();
  }
  return out;
}

test('queries through the statement cache give the same results as through a plain better-sqlite3 database', async () => {
  const plain = await withFile((file) => workload(new SqliteDatabase(file)));
  const cached = await withFile((file) => workload(new StatementCache(new SqliteDatabase(file))));
  assert.deepEqual(cached, plain);
});

test('a statement still being iterated is not reused: the same SQL runs again meanwhile and both see every row', () => {
  const sqlite = new SqliteDatabase(':memory:');
  try {
    sqlite.exec('create table t (id integer primary key); insert into t (id) values (1), (2), (3)');
    const cache = new StatementCache(sqlite);
    const text = 'select id from t where id >= ? order by id';
    const streaming = cache.prepare(text);
    const rows = streaming.iterate(1);
    assert.deepEqual(rows.next().value, { id: 1 });
    assert.equal(streaming.busy, true);
    const again = cache.prepare(text);
    assert.notEqual(again, streaming);
    assert.deepEqual(again.all(2), [{ id: 2 }, { id: 3 }]);
    assert.deepEqual([...rows], [{ id: 2 }, { id: 3 }]);
    // The fresh statement is the one kept; once free it is handed out again.
    assert.equal(cache.prepare(text), again);
    assert.equal(cache.size, 1);
  } finally {
    sqlite.close();
  }
});

test('the cache holds at most its limit of statements and drops the least recently used first', () => {
  const sqlite = new SqliteDatabase(':memory:');
  try {
    const prepared: string[] = [];
    const counting = { prepare: (sql: string) => (prepared.push(sql), sqlite.prepare(sql)), close: () => sqlite.close() };
    const cache = new StatementCache(counting, 3);
    const q = (n: number) => `select ${n} as n`;
    for (const n of [1, 2, 3]) cache.prepare(q(n));
    cache.prepare(q(1)); // 1 is now the most recent: 2 is the oldest
    cache.prepare(q(4)); // over the limit: 2 goes
    assert.equal(cache.size, 3);
    assert.deepEqual(prepared, [q(1), q(2), q(3), q(4)]);
    for (const n of [1, 3, 4]) cache.prepare(q(n));
    assert.equal(prepared.length, 4, 'the kept ones are not prepared again');
    cache.prepare(q(2));
    assert.deepEqual(prepared.slice(4), [q(2)]);
    for (let n = 10; n < 200; n++) cache.prepare(q(n));
    assert.equal(cache.size, 3);
    assert.deepEqual(cache.prepare(q(199)).get(), { n: 199 });
  } finally {
    sqlite.close();
  }
});
