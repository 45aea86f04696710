/**
 * Dynamic settings end to end on PostgreSQL: a change made through one replica reaches another
 * within the refresh interval, a bad stored value falls back to its default, and the admin API
 * guards the change (token, If-Match) while the orders routes honour the result at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { App } from '../../src/http/app.ts';
import { DEFAULT_SETTINGS } from '../../src/settings/dynamic-settings.ts';
import { LiveSettings } from '../../src/settings/live-settings.ts';
import { PgSettingsStore } from '../../src/settings/settings-store.ts';
import { PgOrderStore } from '../../src/orders/store.ts';
import { silentLogger, testApp, needsRealPostgres } from '../helpers.ts';
import { isolatedSchema, type IsolatedSchema } from '../db/isolated-schema.ts';

const REFRESH_MS = 100;
const TOKEN = 'test-admin-token-0123456789abcdef0123456789';

/** A logger that keeps its lines, to assert on what operators would see. */
function recordingLogger() {
  const lines: Array<{ level: number; msg: string; [key: string]: unknown }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('dynamic settings in PostgreSQL', { skip: needsRealPostgres('a schema of its own per connection (test/db/isolated-schema.ts)') }, () => {
  let schema: IsolatedSchema;
  const replicas: LiveSettings[] = [];
  const replica = async (logger = silentLogger): Promise<LiveSettings> => {
    const settings = new LiveSettings({ store: new PgSettingsStore(schema.pool), logger, refreshMs: REFRESH_MS });
    await settings.start();
    replicas.push(settings);
    return settings;
  };

  before(async () => {
    schema = await isolatedSchema('settings');
  });

  after(async () => {
    await Promise.all(replicas.map((settings) => settings.stop()));
    await schema?.drop();
  });

  it('starts from the defaults and reaches every replica within the refresh interval', async () => {
    const a = await replica();
    const b = await replica();
    assert.deepEqual(b.current(), DEFAULT_SETTINGS);
    const version = a.version;

    const result = await a.write([version], { maxPageSize: 7 });
    assert.equal(result.kind, 'written');
    assert.equal(a.current().maxPageSize, 7, 'the writing replica applies its change at once');
    const changedAt = performance.now();
    while (b.current().maxPageSize !== 7 && performance.now() - changedAt < 5 * REFRESH_MS) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const tookMs = performance.now() - changedAt;
    assert.equal(b.current().maxPageSize, 7, `replica B still had the old value after ${Math.round(tookMs)} ms`);
    // Bound: the refresh interval plus one query; generous slack for a loaded test machine.
    assert.ok(tookMs <= REFRESH_MS + 400, `took ${Math.round(tookMs)} ms, bound ${REFRESH_MS} ms + one query`);
    assert.equal(b.version, version + 1);
  });

  it('lets exactly one of two changes based on the same version apply', async () => {
    const a = await replica();
    const b = await replica();
    const version = (await a.read()).version;
    const results = await Promise.all([a.write([version], { maxPageSize: 11 }), b.write([version], { maxPageSize: 12 })]);
    assert.deepEqual(results.map((result) => result.kind).sort(), ['version_mismatch', 'written']);
    const mismatch = results.find((result) => result.kind === 'version_mismatch');
    assert.deepEqual(mismatch, { kind: 'version_mismatch', currentVersion: version + 1 });
  });

  it('falls back to the default for a stored value that is invalid, and says so in the log', async () => {
    const { logger, lines } = recordingLogger();
    await schema.pool.query(`update dynamic_settings set overrides = '{"maxPageSize": "lots", "writesEnabled": false}', version = version + 1`);
    const settings = await replica(logger);
    assert.deepEqual(settings.current(), { ...DEFAULT_SETTINGS, writesEnabled: false });
    const warning = lines.find((line) => line.msg.startsWith('dynamic settings: invalid or unknown stored values ignored'));
    assert.deepEqual(warning?.['ignored'], ['maxPageSize']);
  });

  it('keeps the last values while refreshing fails, and logs that once', async () => {
    const { logger, lines } = recordingLogger();
    let fail = false;
    const store = new PgSettingsStore(schema.pool);
    const flaky = {
      read: () => (fail ? Promise.reject(new Error('connection refused')) : store.read()),
      write: store.write.bind(store),
    };
    const settings = new LiveSettings({ store: flaky, logger, refreshMs: 20 });
    await settings.start();
    replicas.push(settings);
    const before = settings.current();
    fail = true;
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(settings.current(), before);
    assert.equal(lines.filter((line) => line.msg.startsWith('dynamic settings: refresh failed')).length, 1);
    fail = false;
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(lines.some((line) => line.msg === 'dynamic settings: refreshing works again'));
  });
});

describe('/admin/settings', { skip: needsRealPostgres('a schema of its own per connection (test/db/isolated-schema.ts)') }, () => {
  let schema: IsolatedSchema;
  let settings: LiveSettings;
  let app: App;
  const auth = { authorization: `Bearer ${TOKEN}` };

  before(async () => {
    schema = await isolatedSchema('admin');
    settings = new LiveSettings({ store: new PgSettingsStore(schema.pool), logger: silentLogger, refreshMs: 60_000 });
    await settings.start();
    app = await testApp({ orders: new PgOrderStore(schema.pool), settings, adminToken: TOKEN });
  });

  after(async () => {
    await app?.close();
    await settings?.stop();
    await schema?.drop();
  });

  const put = (headers: Record<string, string>, payload: unknown) =>
    app.inject({ method: 'PUT', url: '/admin/settings', headers: { 'content-type': 'application/json', ...auth, ...headers }, payload: JSON.stringify(payload) });

  it('is off without ADMIN_TOKEN', async () => {
    const closed = await testApp({ settings, adminToken: undefined });
    try {
      const response = await closed.inject({ url: '/admin/settings', headers: auth });
      assert.equal(response.statusCode, 403);
      assert.match(response.json().error.message, /set ADMIN_TOKEN/);
    } finally {
      await closed.close();
    }
  });

  it('needs the bearer token', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }]) {
      const response = await app.inject({ url: '/admin/settings', headers });
      assert.equal(response.statusCode, 401, JSON.stringify(headers));
      assert.equal(response.headers['www-authenticate'], 'Bearer realm="admin"');
      assert.equal(response.json().error.code, 'unauthorized');
    }
    assert.equal((await put({ authorization: 'Bearer wrong', 'if-match': '"1"' }, { maxPageSize: 1 })).statusCode, 401);
  });

  it('changes settings with If-Match, and the routes honour them at once', async () => {
    const read = await app.inject({ url: '/admin/settings', headers: auth });
    assert.equal(read.statusCode, 200);
    assert.equal(read.headers['cache-control'], 'no-store');
    const etag = String(read.headers.etag);
    assert.equal(etag, `"${read.json().version}"`);
    assert.deepEqual(read.json().settings, DEFAULT_SETTINGS);

    assert.equal((await put({}, { maxPageSize: 2 })).statusCode, 428);
    assert.equal((await put({ 'if-match': '*' }, { maxPageSize: 2 })).statusCode, 428);
    const invalid = await put({ 'if-match': etag }, { maxPageSize: 0, colour: 'red' });
    assert.equal(invalid.statusCode, 400);
    assert.match(invalid.json().error.message, /maxPageSize must be an integer between 1 and \d+; "colour" is not a dynamic setting/);

    const changed = await put({ 'if-match': etag }, { maxPageSize: 2, writesEnabled: false });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(changed.headers.etag, `"${read.json().version + 1}"`);
    assert.deepEqual(changed.json().overrides, { maxPageSize: 2, writesEnabled: false });
    assert.deepEqual(changed.json().settings, { maxPageSize: 2, writesEnabled: false });

    const stale = await put({ 'if-match': etag }, { maxPageSize: 50 });
    assert.equal(stale.statusCode, 412);
    assert.match(stale.json().error.message, new RegExp(`current ETag is ${changed.headers.etag}`));

    for (const name of ['a', 'b', 'c']) {
      await schema.pool.query('insert into "orders" (name, quantity) values ($1, 1)', [name]);
    }
    const page = await app.inject({ url: '/orders?limit=50' });
    assert.equal(page.statusCode, 200);
    assert.equal(page.json().data.length, 2);
    assert.deepEqual(page.json().page, { limit: 2, offset: 0, nextOffset: 2 });
    const create = await app.inject({ method: 'POST', url: '/orders', headers: { 'content-type': 'application/json' }, payload: { name: 'd', quantity: 1 } });
    assert.equal(create.statusCode, 503);
    assert.equal(create.json().error.code, 'writes_disabled');

    const metrics = await app.inject({ url: '/metrics' });
    assert.match(metrics.body, new RegExp(`^dynamic_settings_version\\{[^}]*\\} ${read.json().version + 1}$`, 'm'));

    // Back to the defaults: an empty set of overrides.
    const reset = await put({ 'if-match': String(changed.headers.etag) }, {});
    assert.deepEqual(reset.json().settings, DEFAULT_SETTINGS);
    assert.equal(
      (await app.inject({ method: 'POST', url: '/orders', headers: { 'content-type': 'application/json' }, payload: { name: 'd', quantity: 1 } })).statusCode,
      201,
    );
  });
});
