import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { TombstonePurger } from '../../src/db/tombstone-purger.ts';
import { silentLogger, needsRealPostgres } from '../helpers.ts';
import { isolatedSchema, type IsolatedSchema } from './isolated-schema.ts';

const TABLE = '"orders"';

describe('TombstonePurger', { skip: needsRealPostgres('a schema of its own per connection (test/db/isolated-schema.ts)') }, () => {
  let schema: IsolatedSchema;
  const purger = (options: { retentionHours?: number; batchSize?: number } = {}) =>
    new TombstonePurger({ pool: schema.pool, logger: silentLogger, retentionHours: 24, purgeIntervalMs: 60_000, ...options });

  /** `count` rows deleted `hoursAgo` hours ago (null: live); returns their ids. */
  async function rows(count: number, hoursAgo: number | null): Promise<string[]> {
    const { rows: inserted } = await schema.pool.query<{ id: string }>(
      `insert into ${TABLE} (name, quantity, deleted_at)
         select 'row ' || n, n, case when $2::integer is null then null else now() - make_interval(hours => $2::integer) end
           from generate_series(1, $1::integer) as n
       returning id`,
      [count, hoursAgo],
    );
    return inserted.map((row) => row.id);
  }

  const remaining = async (): Promise<number> => (await schema.pool.query<{ n: number }>(`select count(*)::int as n from ${TABLE}`)).rows[0]?.n ?? -1;

  before(async () => {
    schema = await isolatedSchema('purger', 12);
  });

  beforeEach(async () => {
    await schema.pool.query(`truncate table ${TABLE}`);
  });

  after(async () => {
    await schema?.drop();
  });

  it('purges tombstones older than the retention period and nothing else', async () => {
    await rows(5, 25);
    const recent = await rows(3, 23);
    const live = await rows(4, null);
    assert.equal(await purger({ batchSize: 2 }).purgeExpired(), 5);
    const { rows: left } = await schema.pool.query<{ id: string }>(`select id from ${TABLE}`);
    assert.deepEqual(left.map((row) => row.id).sort(), [...recent, ...live].sort());
    assert.equal(await purger().purgeExpired(), 0);
  });

  it('purges at once with a retention of 0 hours', async () => {
    await rows(2, 0);
    await rows(1, null);
    assert.equal(await purger({ retentionHours: 0 }).purgeExpired(), 2);
    assert.equal(await remaining(), 1);
  });

  it('shares the work when every replica purges at the same moment', async () => {
    await rows(300, 48);
    await rows(10, null);
    const counts = await Promise.all(Array.from({ length: 4 }, () => purger({ batchSize: 25 }).purgeExpired()));
    assert.equal(
      counts.reduce((sum, count) => sum + count, 0),
      300,
      `each tombstone purged exactly once (per replica: ${counts.join(', ')})`,
    );
    assert.equal(await remaining(), 10);
  });

  it('runs on its interval and stops cleanly', async () => {
    await rows(3, 48);
    const running = new TombstonePurger({ pool: schema.pool, logger: silentLogger, retentionHours: 24, purgeIntervalMs: 50 });
    running.start();
    const deadline = Date.now() + 3_000;
    while ((await remaining()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await running.stop();
    assert.equal(await remaining(), 0);
  });
});
