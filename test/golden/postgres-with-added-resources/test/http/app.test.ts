import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { HttpError } from '../../src/http/errors.ts';
import { Lifecycle } from '../../src/lifecycle.ts';
import { startedLifecycle, testApp } from '../helpers.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A logger at info whose lines land, parsed, in `lines`. */
function capturedLog() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

describe('HTTP app', () => {
  it('answers unknown routes with a JSON 404', async (t) => {
    const app = await testApp();
    t.after(() => app.close());
    const response = await app.inject({ url: '/nowhere?x=1' });
    assert.equal(response.statusCode, 404);
    assert.deepEqual(response.json(), { error: { code: 'not_found', message: 'Route GET /nowhere not found' } });
  });

  it('echoes a sane x-request-id and generates one otherwise, on routes and 404s but not probes', async (t) => {
    const app = await testApp();
    t.after(() => app.close());
    assert.equal((await app.inject({ url: '/metrics', headers: { 'x-request-id': 'req-42' } })).headers['x-request-id'], 'req-42');
    assert.match(String((await app.inject({ url: '/metrics' })).headers['x-request-id']), UUID);
    const injected = await app.inject({ url: '/metrics', headers: { 'x-request-id': 'bad id\twith spaces' } });
    assert.match(String(injected.headers['x-request-id']), UUID);
    assert.equal((await app.inject({ url: '/nowhere', headers: { 'x-request-id': 'req-43' } })).headers['x-request-id'], 'req-43');
    assert.equal((await app.inject({ url: '/livez', headers: { 'x-request-id': 'req-44' } })).headers['x-request-id'], undefined);
  });

  it('closes every connection once shutdown begins, so keep-alive clients move to another replica', async (t) => {
    const lifecycle = startedLifecycle();
    const app = await testApp({ lifecycle });
    t.after(() => app.close());
    assert.notEqual((await app.inject({ url: '/metrics' })).headers['connection'], 'close');
    lifecycle.beginShutdown();
    assert.equal((await app.inject({ url: '/metrics' })).headers['connection'], 'close');
    assert.equal((await app.inject({ url: '/nowhere' })).headers['connection'], 'close');
  });

  it('logs one line per request, with its request id, and none for probes', async (t) => {
    const { logger, lines } = capturedLog();
    const app = await testApp({ logger });
    t.after(() => app.close());
    await app.inject({ url: '/nowhere?x=1', headers: { 'x-request-id': 'req-7' } });
    await app.inject({ url: '/livez' });
    assert.equal(lines.length, 1, JSON.stringify(lines));
    assert.equal(lines[0]?.['requestId'], 'req-7');
    assert.equal(lines[0]?.['msg'], 'request completed');
    assert.equal(lines[0]?.['statusCode'], 404);
    assert.equal(lines[0]?.['url'], '/nowhere?x=1');
    assert.equal(typeof lines[0]?.['responseTimeMs'], 'number');
  });

  it('answers a failing probe with the one error shape, logged as a probe rather than under a request id', async (t) => {
    const { logger, lines } = capturedLog();
    const broken = new Lifecycle({
      checkTimeoutMs: 100,
      stallDetector: {
        stallReason() {
          throw new Error('detector bug');
        },
      },
    });
    const app = await testApp({ logger, lifecycle: broken });
    t.after(() => app.close());
    const response = await app.inject({ url: '/livez', headers: { 'x-request-id': 'req-9' } });
    assert.equal(response.statusCode, 500);
    assert.deepEqual(response.json(), { error: { code: 'internal_error', message: 'Internal server error' } });
    assert.equal(lines.length, 1, JSON.stringify(lines));
    assert.equal(lines[0]?.['msg'], 'request failed');
    assert.equal(lines[0]?.['probe'], true);
    assert.equal(lines[0]?.['requestId'], undefined);
  });

  it('answers malformed JSON with a JSON 400', async (t) => {
    const app = await testApp();
    app.post('/echo', async (request) => request.body);
    t.after(() => app.close());
    const response = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{' });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().error.code, 'bad_request');
  });

  it('passes HttpErrors through and hides internal errors', async (t) => {
    const app = await testApp();
    app.get('/teapot', async () => {
      throw new HttpError(409, 'conflict', 'already there');
    });
    app.get('/crash', async () => {
      throw new Error('password=hunter2 at db.internal');
    });
    t.after(() => app.close());
    const conflict = await app.inject({ url: '/teapot' });
    assert.equal(conflict.statusCode, 409);
    assert.deepEqual(conflict.json(), { error: { code: 'conflict', message: 'already there' } });
    const crash = await app.inject({ url: '/crash' });
    assert.equal(crash.statusCode, 500);
    assert.deepEqual(crash.json(), { error: { code: 'internal_error', message: 'Internal server error' } });
  });
});
