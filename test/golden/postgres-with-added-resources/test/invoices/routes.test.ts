import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runMigrations } from '../../src/db/migrate.ts';
import { createPool, type Pool } from '../../src/db/pool.ts';
import type { App } from '../../src/http/app.ts';
import { invoicesRoutes } from '../../src/invoices/routes.ts';
import { PgInvoiceStore } from '../../src/invoices/store.ts';
import { databaseUrl, silentLogger, testApp } from '../helpers.ts';

const json = { 'content-type': 'application/json' };
const MISSING_ID = '00000000-0000-4000-8000-000000000000';

/** A valid invoice and another one, with every field set. */
const SAMPLE: Record<string, unknown> = {
  title: 'first',
  body: 'a longer text\nover two lines',
  count: 7,
  price: 12.5,
  paid: true,
  dueAt: '2026-01-02T03:04:05.678Z',
  ownerId: '7d444840-9dc0-41ab-9a8b-5b3c1a6e1c02',
};
const OTHER: Record<string, unknown> = {
  title: 'second',
  body: 'another text',
  count: -3,
  price: -0.25,
  paid: false,
  dueAt: '2026-06-30T23:59:59.000Z',
  ownerId: '0b5e4a53-35f1-4c5b-8f0e-5a4f7a2b9c11',
};
/** For each field, a value of the wrong type. */
const WRONG_TYPES: Array<[string, unknown]> = [
  ['title', { text: 'not a string' }],
  ['body', ['not', 'a string']],
  ['count', 'seven'],
  ['price', 'twelve'],
  ['paid', 'yes'],
  ['dueAt', 'next tuesday'],
  ['ownerId', 'not-a-uuid'],
];
const REQUIRED_FIELDS: string[] = ['title', 'count', 'paid', 'ownerId'];
const OPTIONAL_FIELDS: string[] = ['body', 'price', 'dueAt'];

const without = (value: Record<string, unknown>, keys: readonly string[]) => Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key)));
const fieldsOf = (body: Record<string, unknown>) => Object.fromEntries(Object.keys(SAMPLE).map((key) => [key, body[key]]));

describe('/invoices', () => {
  let pool: Pool;
  let app: App;

  before(async () => {
    pool = createPool({ url: databaseUrl(), poolMax: 24, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000, migrateOnStart: true }, silentLogger);
    await runMigrations({ pool, logger: silentLogger });
    const store = new PgInvoiceStore(pool);
    // Mounted the way src/resources/index.ts mounts it, without the cache.
    app = await testApp({
      resources: [{ name: 'invoice', register: (service, settings) => service.register(invoicesRoutes, { store, settings }), start: async () => {} }],
    });
  });

  beforeEach(async () => {
    await pool.query('truncate table "invoices"');
  });

  after(async () => {
    await app?.close();
    await pool?.query('truncate table "invoices"');
    await pool?.end();
  });

  async function create(payload: Record<string, unknown> = SAMPLE) {
    const response = await app.inject({ method: 'POST', url: '/invoices', headers: json, payload });
    assert.equal(response.statusCode, 201, response.body);
    return response;
  }

  it('creates, reads, replaces and deletes with ETags, every field round-tripped', async () => {
    const created = await create();
    const body = created.json();
    assert.equal(created.headers.location, `/invoices/${body.id}`);
    assert.equal(created.headers.etag, '"1"');
    assert.deepEqual(fieldsOf(body), SAMPLE);
    assert.equal(body.version, 1);

    const read = await app.inject({ url: `/invoices/${body.id}` });
    assert.equal(read.statusCode, 200);
    assert.equal(read.headers.etag, '"1"');
    assert.deepEqual(read.json(), body);
    const notModified = await app.inject({ url: `/invoices/${body.id}`, headers: { 'if-none-match': '"1"' } });
    assert.equal(notModified.statusCode, 304);

    const replaced = await app.inject({ method: 'PUT', url: `/invoices/${body.id}`, headers: { ...json, 'if-match': '"1"' }, payload: OTHER });
    assert.equal(replaced.statusCode, 200, replaced.body);
    assert.equal(replaced.headers.etag, '"2"');
    assert.deepEqual(fieldsOf(replaced.json()), OTHER);
    assert.deepEqual(fieldsOf((await app.inject({ url: `/invoices/${body.id}` })).json()), OTHER);

    const deleted = await app.inject({ method: 'DELETE', url: `/invoices/${body.id}`, headers: { 'if-match': '"2"' } });
    assert.equal(deleted.statusCode, 204);
    assert.equal((await app.inject({ url: `/invoices/${body.id}` })).statusCode, 404);
    const tombstone = await pool.query('select version, deleted_at from "invoices" where id = $1', [body.id]);
    assert.equal(tombstone.rows[0].version, 3, 'the delete bumps the version and keeps a tombstone');
    assert.ok(tombstone.rows[0].deleted_at instanceof Date);
  });

  it('requires If-Match on PUT and DELETE (428) and rejects stale ones (412)', async () => {
    const id = (await create()).json().id;
    const put = (headers: Record<string, string>) => app.inject({ method: 'PUT', url: `/invoices/${id}`, headers: { ...json, ...headers }, payload: OTHER });
    assert.equal((await put({})).statusCode, 428);
    assert.equal((await put({})).json().error.code, 'precondition_required');
    assert.equal((await app.inject({ method: 'DELETE', url: `/invoices/${id}` })).statusCode, 428);
    const stale = await put({ 'if-match': '"7"' });
    assert.equal(stale.statusCode, 412);
    assert.match(stale.json().error.message, /current ETag is "1"/);
    assert.equal((await app.inject({ method: 'DELETE', url: `/invoices/${id}`, headers: { 'if-match': '"7"' } })).statusCode, 412);
    assert.equal((await put({ 'if-match': '"1"' })).statusCode, 200);
  });

  it('answers 404 for absent invoices and 400 for malformed ids', async () => {
    assert.equal((await app.inject({ url: `/invoices/${MISSING_ID}` })).statusCode, 404);
    const put = await app.inject({ method: 'PUT', url: `/invoices/${MISSING_ID}`, headers: { ...json, 'if-match': '"1"' }, payload: SAMPLE });
    assert.equal(put.statusCode, 404);
    assert.equal((await app.inject({ method: 'DELETE', url: `/invoices/${MISSING_ID}`, headers: { 'if-match': '"1"' } })).statusCode, 404);
    assert.equal((await app.inject({ url: '/invoices/not-a-uuid' })).statusCode, 400);
  });

  it('rejects a value of the wrong type in every field, a missing required field and an unknown one', async () => {
    const invalid = [
      ...WRONG_TYPES.map(([field, value]) => ({ ...SAMPLE, [field]: value })),
      ...REQUIRED_FIELDS.map((field) => without(SAMPLE, [field])),
      { ...SAMPLE, unknownField: true },
    ];
    for (const payload of invalid) {
      const response = await app.inject({ method: 'POST', url: '/invoices', headers: json, payload });
      assert.equal(response.statusCode, 400, JSON.stringify(payload));
      assert.equal(response.json().error.code, 'validation_failed');
    }
    assert.equal((await pool.query('select count(*)::int as n from "invoices"')).rows[0].n, 0);
  });

  it('stores optional fields left out or null as null', async () => {
    const leftOut = (await create(without(SAMPLE, OPTIONAL_FIELDS))).json();
    const nulled = (await create({ ...SAMPLE, ...Object.fromEntries(OPTIONAL_FIELDS.map((field) => [field, null])) })).json();
    for (const field of OPTIONAL_FIELDS) {
      assert.equal(leftOut[field], null, field);
      assert.equal(nulled[field], null, field);
    }
  });

  it('lets exactly one of 10 concurrent updates with the same If-Match win', async () => {
    const id = (await create()).json().id;
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => app.inject({ method: 'PUT', url: `/invoices/${id}`, headers: { ...json, 'if-match': '"1"' }, payload: OTHER })),
    );
    assert.deepEqual(responses.map((response) => response.statusCode).sort(), [200, ...Array<number>(9).fill(412)]);
  });

  it('is in the OpenAPI document with every field', async () => {
    const response = await app.inject({ url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    const paths = response.json().paths as Record<
      string,
      Record<string, { requestBody?: { content: Record<string, { schema: { properties: object; required?: string[] } }> } }>
    >;
    assert.deepEqual(Object.keys(paths['/invoices'] ?? {}).sort(), ['get', 'post']);
    assert.deepEqual(Object.keys(paths['/invoices/{id}'] ?? {}).sort(), ['delete', 'get', 'put']);
    const body = paths['/invoices']?.['post']?.requestBody?.content['application/json']?.schema;
    assert.deepEqual(Object.keys(body?.properties ?? {}).sort(), Object.keys(SAMPLE).sort());
    assert.deepEqual([...(body?.required ?? [])].sort(), [...REQUIRED_FIELDS].sort());
  });

  it('lists in pages, oldest first', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      ids.push((await create()).json().id);
      // Rows created within one clock tick of the embedded database share a timestamp.
      await sleep(5);
    }
    const first = await app.inject({ url: '/invoices?limit=2' });
    assert.equal(first.statusCode, 200);
    assert.deepEqual(
      first.json().data.map((entry: { id: string }) => entry.id),
      ids.slice(0, 2),
    );
    assert.deepEqual(first.json().page, { limit: 2, offset: 0, nextOffset: 2 });
    const second = await app.inject({ url: '/invoices?limit=2&offset=2' });
    assert.deepEqual(
      second.json().data.map((entry: { id: string }) => entry.id),
      ids.slice(2),
    );
    assert.equal(second.json().page.nextOffset, null);
    assert.equal((await app.inject({ url: '/invoices?limit=1001' })).statusCode, 400);
  });
});
