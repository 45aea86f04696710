/**
 * The app test/http/input-fuzz.test.ts attacks, with PostgreSQL: real stores in a schema of its
 * own, live settings (the admin API included), the resources added with `microforge add resource`
 * (src/resources/index.ts, without their read caches), and a fresh order for requests to aim at.
 */
import assert from 'node:assert/strict';
import type { App } from '../../src/http/app.ts';
import { ADDED_RESOURCES } from '../../src/resources/index.ts';
import { OutboxSignal } from '../../src/resources/resource-module.ts';
import { LiveSettings } from '../../src/settings/live-settings.ts';
import { PgSettingsStore } from '../../src/settings/settings-store.ts';
import { PgOrderStore } from '../../src/orders/store.ts';
import { isolatedSchema } from '../db/isolated-schema.ts';
import { needsRealPostgres, silentLogger, testApp } from '../helpers.ts';

export const FUZZ_ADMIN_TOKEN = 'fuzz-admin-token';

export interface FuzzTarget {
  app: App;
  /** Valid bodies the route schemas cannot tell (the admin API takes any JSON and checks it itself). */
  validBodies: Record<string, Record<string, unknown>>;
  /** An id that exists and its ETag, so requests get past 404 and 412 to the handler. */
  existing(): Promise<{ id: string; etag: string }>;
  /** The collection existing() creates in; the fuzz makes records of other collections through their own POST. */
  collection: string;
  /** A body with three errors at once (two wrong types, one unknown property), and where to send it. */
  invalid: { url: string; payload: Record<string, unknown> };
  close(): Promise<void>;
}

export const fuzzSkip = needsRealPostgres('a schema of its own per connection (test/db/isolated-schema.ts)');

export async function startFuzzTarget(): Promise<FuzzTarget> {
  const schema = await isolatedSchema('fuzz');
  const settings = new LiveSettings({ store: new PgSettingsStore(schema.pool), logger: silentLogger, refreshMs: 60_000 });
  await settings.start();
  const app = await testApp({
    orders: new PgOrderStore(schema.pool),
    settings,
    adminToken: FUZZ_ADMIN_TOKEN,
    resources: ADDED_RESOURCES.map((resource) => resource.mountWithoutCache({ pool: schema.pool, outbox: new OutboxSignal() })),
  });
  return {
    app,
    collection: '/orders',
    validBodies: { 'PUT /admin/settings': { maxPageSize: 50 } },
    async existing() {
      const created = await app.inject({ method: 'POST', url: '/orders', payload: { name: 'fuzz', quantity: 5 } });
      assert.equal(created.statusCode, 201, created.body);
      return { id: created.json().id, etag: String(created.headers.etag) };
    },
    invalid: { url: '/orders', payload: { name: 5, quantity: '5', colour: 'red' } },
    async close() {
      await app.close();
      await settings.stop();
      await schema.drop();
    },
  };
}
