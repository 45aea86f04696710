/**
 * A database that refuses connections or stops answering (a frozen server, a partition) makes
 * requests answer 503 with Retry-After within the client-side deadlines (connect timeout,
 * query timeout), never 500 and never a hang; the outage is logged once, not once per request.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { createPool, type Pool } from '../../src/db/pool.ts';
import { PgOrderStore } from '../../src/orders/store.ts';
import { testApp } from '../helpers.ts';

const CONNECT_TIMEOUT_MS = 500;

describe('requests while the database is unavailable', () => {
  let silentServer: net.Server;
  const sockets = new Set<net.Socket>();
  let frozenPort = 0;
  let refusedPort = 0;
  const pools: Pool[] = [];

  before(async () => {
    // Accepts connections and never answers: what a frozen server or a black-holed route looks like.
    silentServer = net.createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silentServer.listen(0, '127.0.0.1', resolve));
    frozenPort = (silentServer.address() as net.AddressInfo).port;
    // A port nothing listens on: connection refused.
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    refusedPort = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
  });

  after(async () => {
    for (const pool of pools) await pool.end().catch(() => undefined);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silentServer.close(resolve));
  });

  async function appOn(port: number, lines: string[]) {
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const pool = createPool(
      { url: `postgres://postgres@127.0.0.1:${port}/none`, poolMax: 4, statementTimeoutMs: 500, connectTimeoutMs: CONNECT_TIMEOUT_MS, migrateOnStart: false },
      logger,
    );
    pools.push(pool);
    return testApp({ logger, orders: new PgOrderStore(pool) });
  }

  for (const [fault, port] of [
    ['refused', () => refusedPort],
    ['frozen', () => frozenPort],
  ] as const) {
    it(`answers 503 with Retry-After when the database is ${fault}, within the connect timeout, and logs it once per distinct error`, async () => {
      const lines: string[] = [];
      const app = await appOn(port(), lines);
      try {
        const started = performance.now();
        const responses = await Promise.all(Array.from({ length: 20 }, () => app.inject({ method: 'GET', url: '/orders?limit=5' })));
        const elapsed = performance.now() - started;
        assert.deepEqual([...new Set(responses.map((response) => response.statusCode))], [503]);
        assert.equal(responses[0]!.headers['retry-after'], '5');
        assert.equal(responses[0]!.json().error.code, 'service_unavailable');
        // Four pool connections, each given up after the connect timeout; the queued requests follow.
        assert.ok(elapsed < CONNECT_TIMEOUT_MS * 5 + 1_000, `took ${Math.round(elapsed)} ms`);
        // Once per distinct error (a connect timeout and the connections it cut), not once per request.
        const warnings = lines.filter((line) => line.includes('answering 503'));
        assert.ok(warnings.length >= 1 && warnings.length <= 2, lines.join(''));
      } finally {
        await app.close();
      }
    });
  }
});
