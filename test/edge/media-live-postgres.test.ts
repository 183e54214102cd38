import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pgSchema } from '../store/support.js';
import { call, finalKeeps, finding, liveEdgeWithCarrier, rtpSocket, seenWhileStreaming, stream, tone } from './media-live-support.js';

// The live call record on the PostgreSQL store (serve --db postgres://…): the same refreshes
// as on SQLite are upserts of one row, and the final record stays the last write. A fresh
// schema per run, dropped after.
test('on PostgreSQL, one-way audio shows as media.one-way while the call is up and the final record keeps it', async () => {
  const pg = await pgSchema('tl_live');
  try {
    const c = await liveEdgeWithCarrier(['--db', pg.db, '--live-refresh', '0.5']);
    const pbxRtp = await rtpSocket();
    try {
      const a = await call(c.e, '+919876543210', '127.0.0.1', pbxRtp.address().port);
      const v = await seenWhileStreaming(c.e, a.sid, 'media.one-way', [stream(pbxRtp, () => a.relayPort, tone, 0x55550001)]);
      assert.equal(v.status, 'in-progress');
      assert.ok(finding(v, 'media.one-way')!.evidence.includes('no RTP from the callee after answer'));
      assert.ok(v.media!.directions.customer_to_carrier.packets > 0);
      assert.equal(v.media!.directions.carrier_to_customer.packets, 0);
      assert.equal((await c.e.pbx.request(a.inv, 'BYE')).status, 200);
      await finalKeeps(c.e, a.sid, 'media.one-way');
      assert.deepEqual(await pg.query(`select status from ${pg.schema}.calls where call_sid = $1`, [a.sid]), [{ status: 'completed' }]);
    } finally {
      pbxRtp.close();
      await c.stop();
    }
  } finally {
    await pg.drop();
  }
});
