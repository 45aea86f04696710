/**
 * A client that stops sending its body mid-request gets 408 at the request deadline, not a
 * minute or more later: a stalled upload must not hold a connection and a socket past it.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { testApp } from '../helpers.ts';

describe('request deadline', () => {
  it('answers a stalled request body with 408 at requestTimeoutMs', async () => {
    const deadlineMs = 1_000;
    const app = await testApp({ requestTimeoutMs: deadlineMs });
    app.post('/stalled', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as net.AddressInfo;
      const started = performance.now();
      const statusLine = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          // Promises 100 bytes, sends 5, then nothing.
          socket.write('POST /stalled HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":');
        });
        socket.once('data', (data) => {
          resolve(data.toString('latin1').split('\r\n')[0] ?? '');
          socket.destroy();
        });
        socket.once('error', reject);
        socket.setTimeout(20_000, () => reject(new Error('no answer within 20 s')));
      });
      const elapsedMs = performance.now() - started;
      assert.equal(statusLine, 'HTTP/1.1 408 Request Timeout');
      assert.ok(elapsedMs >= deadlineMs - 50 && elapsedMs < deadlineMs + 1_500, `408 after ${Math.round(elapsedMs)} ms`);
    } finally {
      await app.close();
    }
  });
});
