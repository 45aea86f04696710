import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runMigrations } from '../../src/db/migrate.ts';
import { createPool, pingDatabase, type Pool } from '../../src/db/pool.ts';
import type { App } from '../../src/http/app.ts';
import { PgOrderStore } from '../../src/orders/store.ts';
import { databaseUrl, silentLogger, startedLifecycle, testApp } from '../helpers.ts';
import { useTestTracing } from '../telemetry/test-tracing.ts';

const json = { 'content-type': 'application/json' };
const MISSING_ID = '00000000-0000-4000-8000-000000000000';
const tracing = useTestTracing();

describe('/orders', () => {
  let pool: Pool;
  let app: App;

  before(async () => {
    pool = createPool({ url: databaseUrl(), poolMax: 24, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000, migrateOnStart: true }, silentLogger);
    await runMigrations({ pool, logger: silentLogger });
    const lifecycle = startedLifecycle();
    lifecycle.registerCheck({ name: 'postgres', check: () => pingDatabase(pool) });
    app = await testApp({ lifecycle, orders: new PgOrderStore(pool) });
  });

  beforeEach(async () => {
    await pool.query('truncate table "orders"');
  });

  after(async () => {
    await app?.close();
    await pool?.query('truncate table "orders"');
    await pool?.end();
  });

  async function create(name = 'first', quantity = 1) {
    const response = await app.inject({ method: 'POST', url: '/orders', headers: json, payload: { name, quantity } });
    assert.equal(response.statusCode, 201, response.body);
    return response;
  }

  it('creates, reads, replaces and deletes with ETags', async () => {
    const created = await create('widget', 3);
    const body = created.json();
    assert.equal(created.headers.location, `/orders/${body.id}`);
    assert.equal(created.headers.etag, '"1"');
    assert.equal(body.name, 'widget');
    assert.equal(body.quantity, 3);
    assert.equal(body.version, 1);
    assert.equal(body.createdAt, body.updatedAt);

    const read = await app.inject({ url: `/orders/${body.id}` });
    assert.equal(read.statusCode, 200);
    assert.equal(read.headers.etag, '"1"');
    assert.deepEqual(read.json(), body);

    const notModified = await app.inject({ url: `/orders/${body.id}`, headers: { 'if-none-match': 'W/"1"' } });
    assert.equal(notModified.statusCode, 304);
    assert.equal(notModified.body, '');

    const replaced = await app.inject({
      method: 'PUT',
      url: `/orders/${body.id}`,
      headers: { ...json, 'if-match': '"1"' },
      payload: { name: 'gadget', quantity: 4 },
    });
    assert.equal(replaced.statusCode, 200, replaced.body);
    assert.equal(replaced.headers.etag, '"2"');
    assert.equal(replaced.json().version, 2);
    assert.equal(replaced.json().name, 'gadget');
    assert.ok(replaced.json().updatedAt > body.updatedAt);

    const deleted = await app.inject({ method: 'DELETE', url: `/orders/${body.id}`, headers: { 'if-match': '"2"' } });
    assert.equal(deleted.statusCode, 204);
    assert.equal((await app.inject({ url: `/orders/${body.id}` })).statusCode, 404);
  });

  it('requires If-Match on PUT and DELETE (428) and rejects stale ones (412)', async () => {
    const id = (await create()).json().id;
    const put = (headers: Record<string, string>) =>
      app.inject({ method: 'PUT', url: `/orders/${id}`, headers: { ...json, ...headers }, payload: { name: 'x', quantity: 1 } });

    const missing = await put({});
    assert.equal(missing.statusCode, 428);
    assert.equal(missing.json().error.code, 'precondition_required');
    assert.equal((await put({ 'if-match': '*' })).statusCode, 428);
    assert.equal((await app.inject({ method: 'DELETE', url: `/orders/${id}` })).statusCode, 428);

    const stale = await put({ 'if-match': '"7"' });
    assert.equal(stale.statusCode, 412);
    assert.deepEqual(stale.json().error.code, 'precondition_failed');
    assert.match(stale.json().error.message, /current ETag is "1"/);
    assert.equal((await put({ 'if-match': 'W/"1"' })).statusCode, 412, 'If-Match uses strong comparison');
    assert.equal((await app.inject({ method: 'DELETE', url: `/orders/${id}`, headers: { 'if-match': '"7"' } })).statusCode, 412);
    assert.equal((await put({ 'if-match': '"0", "1"' })).statusCode, 200, 'any listed ETag may match');
  });

  it('answers 404 for absent orders and 400 for malformed ids', async () => {
    assert.equal((await app.inject({ url: `/orders/${MISSING_ID}` })).statusCode, 404);
    const put = await app.inject({
      method: 'PUT',
      url: `/orders/${MISSING_ID}`,
      headers: { ...json, 'if-match': '"1"' },
      payload: { name: 'x', quantity: 1 },
    });
    assert.equal(put.statusCode, 404);
    assert.deepEqual(put.json().error.code, 'not_found');
    const del = await app.inject({ method: 'DELETE', url: `/orders/${MISSING_ID}`, headers: { 'if-match': '"1"' } });
    assert.equal(del.statusCode, 404);
    const malformed = await app.inject({ url: '/orders/not-a-uuid' });
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().error.code, 'validation_failed');
  });

  it('validates bodies', async () => {
    for (const payload of [{}, { name: '', quantity: 1 }, { name: 'x', quantity: -1 }, { name: 'x', quantity: 1.5 }, { name: 'x', quantity: 1, extra: true }]) {
      const response = await app.inject({ method: 'POST', url: '/orders', headers: json, payload });
      assert.equal(response.statusCode, 400, JSON.stringify(payload));
      assert.equal(response.json().error.code, 'validation_failed');
    }
    assert.equal((await pool.query('select count(*)::int as n from "orders"')).rows[0].n, 0);
  });

  it('lets exactly one of 20 concurrent updates with the same If-Match win', async () => {
    const id = (await create()).json().id;
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, writer) =>
        app.inject({
          method: 'PUT',
          url: `/orders/${id}`,
          headers: { ...json, 'if-match': '"1"' },
          payload: { name: `writer ${writer}`, quantity: writer },
        }),
      ),
    );
    const statuses = responses.map((response) => response.statusCode).sort();
    assert.deepEqual(statuses, [200, ...Array<number>(19).fill(412)]);
    const winner = responses.find((response) => response.statusCode === 200)?.json();
    const current = (await app.inject({ url: `/orders/${id}` })).json();
    assert.equal(current.version, 2);
    assert.equal(current.name, winner.name);
  });

  it('lets exactly one of concurrent deletes and updates with the same If-Match win, and never resurrects', async () => {
    for (let round = 0; round < 5; round += 1) {
      const id = (await create(`round ${round}`)).json().id;
      const url = `/orders/${id}`;
      const requests = Array.from({ length: 10 }, (_, writer) =>
        writer % 2 === 0
          ? app.inject({ method: 'DELETE', url, headers: { 'if-match': '"1"' } })
          : app.inject({ method: 'PUT', url, headers: { ...json, 'if-match': '"1"' }, payload: { name: `writer ${writer}`, quantity: writer } }),
      );
      const statuses = (await Promise.all(requests)).map((response) => response.statusCode);
      const winners = statuses.filter((status) => status === 200 || status === 204);
      assert.equal(winners.length, 1, `exactly one write wins (got ${statuses.join(', ')})`);
      const current = await app.inject({ url });
      if (winners[0] === 204) {
        // Deleted first: every other writer finds a tombstone, and it stays one.
        assert.deepEqual(
          statuses.filter((status) => status !== 204),
          Array<number>(9).fill(404),
        );
        assert.equal(current.statusCode, 404);
      } else {
        // Updated first: every other writer, delete or update, holds a stale ETag.
        assert.deepEqual(
          statuses.filter((status) => status !== 200),
          Array<number>(9).fill(412),
        );
        assert.equal(current.json().version, 2);
      }
    }
  });

  it('deletes softly: a tombstone stays deleted, whatever arrives late', async () => {
    const id = (await create('doomed', 2)).json().id;
    const url = `/orders/${id}`;
    assert.equal((await app.inject({ method: 'DELETE', url, headers: { 'if-match': '"1"' } })).statusCode, 204);

    const row = await pool.query('select name, version, deleted_at from "orders" where id = $1', [id]);
    assert.equal(row.rows[0].version, 2, 'the delete bumps the version');
    assert.ok(row.rows[0].deleted_at instanceof Date, 'the row is kept as a tombstone');

    assert.equal((await app.inject({ url })).statusCode, 404);
    assert.deepEqual((await app.inject({ url: '/orders' })).json().data, []);
    for (const etag of ['"1"', '"2"']) {
      // An update sent before the delete, with the ETag it read then, arriving after it.
      const late = await app.inject({ method: 'PUT', url, headers: { ...json, 'if-match': etag }, payload: { name: 'revived', quantity: 9 } });
      assert.equal(late.statusCode, 404, `PUT with If-Match ${etag}`);
      assert.equal(late.json().error.code, 'not_found');
      assert.equal((await app.inject({ method: 'DELETE', url, headers: { 'if-match': etag } })).statusCode, 404);
    }
    const after = await pool.query('select name, version, deleted_at is not null as deleted from "orders" where id = $1', [id]);
    assert.deepEqual(after.rows, [{ name: 'doomed', version: 2, deleted: true }]);
  });

  it("writes the order.deleted event to the outbox with the delete, carrying the request's trace", async () => {
    const id = (await create()).json().id;
    const request = await tracing.tracer.startActiveSpan('DELETE', async (span) => {
      const response = await app.inject({ method: 'DELETE', url: `/orders/${id}`, headers: { 'if-match': '"1"' } });
      span.end();
      return { response, span: span.spanContext() };
    });
    const deleted = request.response;
    assert.equal(deleted.statusCode, 204);
    const { rows } = await pool.query("select topic, type, data, trace_context from outbox where type = 'order.deleted' and data->>'orderId' = $1", [id]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].topic, 'order.deleted');
    assert.equal(rows[0].data.version, 2);
    assert.equal(rows[0].trace_context.traceparent, `00-${request.span.traceId}-${request.span.spanId}-01`);
    const stale = await app.inject({ method: 'DELETE', url: `/orders/${id}`, headers: { 'if-match': '"2"' } });
    assert.equal(stale.statusCode, 404);
    const again = await pool.query("select 1 from outbox where type = 'order.deleted' and data->>'orderId' = $1", [id]);
    assert.equal(again.rowCount, 1, 'a delete that finds a tombstone publishes nothing');
  });

  it('lists in pages with a bounded size', async () => {
    for (const name of ['a', 'b', 'c']) {
      await create(name);
      // The list is ordered by created_at, then id. The embedded database's clock can give rows
      // created within the same tick one timestamp, and those are ordered by their random ids.
      await sleep(5);
    }
    const first = await app.inject({ url: '/orders?limit=2' });
    assert.equal(first.statusCode, 200);
    assert.deepEqual(
      first.json().data.map((item: { name: string }) => item.name),
      ['a', 'b'],
    );
    assert.deepEqual(first.json().page, { limit: 2, offset: 0, nextOffset: 2 });
    const second = await app.inject({ url: '/orders?limit=2&offset=2' });
    assert.deepEqual(
      second.json().data.map((item: { name: string }) => item.name),
      ['c'],
    );
    assert.equal(second.json().page.nextOffset, null);
    assert.equal((await app.inject({ url: '/orders' })).json().page.limit, 20);
    // Larger pages than the dynamic setting maxPageSize (default 100) are cut to it.
    assert.equal((await app.inject({ url: '/orders?limit=1000' })).json().page.limit, 100);
    assert.equal((await app.inject({ url: '/orders?limit=1001' })).statusCode, 400);
    // Not coerced to Infinity (and then cut to the page size, or sent to PostgreSQL as an offset).
    for (const query of ['limit=Infinity', 'limit=1e400', 'offset=Infinity', 'offset=-1e400']) {
      const refused = await app.inject({ url: `/orders?${query}` });
      assert.deepEqual([query, refused.statusCode, refused.json().error.details[0].message], [query, 400, 'must be a finite number']);
    }
    assert.equal((await app.inject({ url: '/orders?offset=-1' })).statusCode, 400);
  });

  it('is ready while PostgreSQL answers', async () => {
    const response = await app.inject({ url: '/readyz' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(
      response.json().checks.map((check: { name: string }) => check.name),
      ['postgres'],
    );
  });
});

describe('readiness without PostgreSQL', () => {
  it('reports postgres as the failing dependency', async () => {
    const pool = createPool(
      { url: 'postgres://nobody@127.0.0.1:1/none', poolMax: 1, statementTimeoutMs: 1_000, connectTimeoutMs: 500, migrateOnStart: false },
      silentLogger,
    );
    const lifecycle = startedLifecycle({ checkTimeoutMs: 1_000 });
    lifecycle.registerCheck({ name: 'postgres', check: () => pingDatabase(pool) });
    const app = await testApp({ lifecycle });
    try {
      const response = await app.inject({ url: '/readyz' });
      assert.equal(response.statusCode, 503);
      assert.equal(response.json().reason, 'dependency check failed: postgres');
      assert.equal((await app.inject({ url: '/livez' })).statusCode, 200);
    } finally {
      await app.close();
      await pool.end();
    }
  });
});
