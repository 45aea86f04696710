/**
 * What Node's HTTP parser rejects before any route runs gets the service's one error shape
 * (`{ error: { code, message } }`), like every other answer: a stalled body (408), headers over
 * the size limit (431), bytes that are not HTTP (400).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { testApp } from '../helpers.ts';

/** Sends raw bytes and returns the status line and the JSON body of the answer. */
function rawRequest(port: number, bytes: string): Promise<{ statusLine: string; body: unknown }> {
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    socket.on('data', (data) => (received += data.toString('latin1')));
    socket.once('close', () => {
      const [head = '', body = ''] = received.split('\r\n\r\n');
      resolve({ statusLine: head.split('\r\n')[0] ?? '', body: JSON.parse(body) });
    });
    socket.once('error', reject);
    socket.setTimeout(20_000, () => reject(new Error('no answer within 20 s')));
  });
}

describe('answers to requests that are not valid HTTP', () => {
  let app: Awaited<ReturnType<typeof testApp>>;
  let port = 0;

  before(async () => {
    app = await testApp({ requestTimeoutMs: 500 });
    app.post('/stalled', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as net.AddressInfo).port;
  });

  after(async () => {
    await app?.close();
  });

  it('a stalled body: 408 request_timeout', async () => {
    const answer = await rawRequest(port, 'POST /stalled HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":');
    assert.equal(answer.statusLine, 'HTTP/1.1 408 Request Timeout');
    assert.deepEqual(answer.body, { error: { code: 'request_timeout', message: 'the request was not received completely before the deadline' } });
  });

  it('a control character in a header: 400 bad_request', async () => {
    const answer = await rawRequest(port, 'GET /livez HTTP/1.1\r\nHost: test\r\nIdempotency-Key: a\u0001b\r\n\r\n');
    assert.equal(answer.statusLine, 'HTTP/1.1 400 Bad Request');
    assert.equal((answer.body as { error: { code: string } }).error.code, 'bad_request');
  });

  it('headers over the size limit: 431 headers_too_large', async () => {
    const answer = await rawRequest(port, `GET /livez HTTP/1.1\r\nHost: test\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`);
    assert.equal(answer.statusLine, 'HTTP/1.1 431 Request Header Fields Too Large');
    assert.equal((answer.body as { error: { code: string } }).error.code, 'headers_too_large');
  });
});
