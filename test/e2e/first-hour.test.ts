/**
 * A newcomer's first hour with the default repo (`microforge new --yes`: PostgreSQL, Redis,
 * at-least-once messaging on RabbitMQ), with the broker and Redis running but no PostgreSQL
 * server and no DATABASE_URL: `npm run dev` runs on the embedded database and loses no queued
 * command, Ctrl-C stops it cleanly, and with the broker unreachable `npm test` fails at once
 * naming it. One generated, installed repo serves every test. Its `npm test` on the embedded
 * database, like every other combination's with storage, is embedded-combinations.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  describeRun,
  envWithServiceNode,
  freePort,
  http,
  makeWorkDir,
  messagingNames,
  npmWithServiceNode,
  openTestBroker,
  runCli,
  startServiceProcess,
  useE2eCleanup,
  waitUntil,
} from './support/index.js';

useE2eCleanup(120_000);

const MINUTES = 60_000;
// A name of its own: the queues on the shared broker are named after the service.
const name = `first-hour-${randomBytes(3).toString('hex')}`;

describe('the default repo in its first hour', () => {
  let repo = '';

  it('is generated and installed; the next steps repeat nothing that ran and start nothing with Docker', async () => {
    const work = await makeWorkDir('e2e-first-hour');
    repo = join(work, name);
    const generated = await runCli(['new', name, '--yes', '--skip-git'], { cwd: work, env: envWithServiceNode(), timeoutMs: 5 * MINUTES });
    expect({ exitCode: generated.exitCode, output: generated.exitCode === 0 ? '' : describeRun('microforge new', generated) }).toEqual({ exitCode: 0, output: '' });
    const next = generated.stdout.slice(generated.stdout.indexOf('Next:')).split('\n').map((line) => line.trim()).filter(Boolean);
    expect(next.slice(0, 3)).toEqual(['Next:', `cd ${name}`, 'npm test']);
    expect(next[3]).toMatch(/^npm run dev and npm test need Redis and RabbitMQ at the URLs in \.env\.development; not running yet\? docker compose up -d redis rabbitmq$/);
    // The embedded database unless asked otherwise: .env.development only mentions compose's PostgreSQL.
    const envFile = await readFile(join(repo, '.env.development'), 'utf8');
    expect(envFile).not.toMatch(/^DATABASE_URL=/m);
    expect(envFile).toMatch(/^# DATABASE_URL=postgres:\/\//m);
  }, 6 * MINUTES);

  it('runs `npm run dev` on the embedded database; 200 distinct commands and 20 duplicates apply exactly 200; Ctrl-C stops it cleanly', async () => {
    // Opened first, so that a failed run's cleanup deletes the queues after the service is gone
    // (a running service declares them again).
    const broker = await openTestBroker('rabbitmq', messagingNames(name, 'item'));
    // Broker and Redis from .env.development, as a developer has them; no DATABASE_URL.
    const dev = startServiceProcess({ cwd: repo, command: 'npm', args: ['run', 'dev'], port: await freePort() });
    await dev.waitReady(3 * MINUTES);
    expect(dev.messages()).toContain('DATABASE_URL is not set: using an embedded PostgreSQL (PGlite) for development; never in production');

    const created = await http<{ id: string }>(`${dev.baseUrl}/items`, { method: 'POST', body: { name: 'burst', quantity: 0 } });
    expect(created.status).toBe(201);
    const id = created.json?.id ?? '';
    const commandIds = Array.from({ length: 200 }, (_, index) => `first-hour-${index}`);
    const adjust = (commandId: string) => ({ id: commandId, body: { id: commandId, type: 'adjust', data: { itemId: id, delta: 1 } } });
    await broker.publish([...commandIds, ...commandIds.slice(0, 20)].map(adjust));
    const quantity = async () => (await http<{ quantity: number }>(`${dev.baseUrl}/items/${id}`)).json?.quantity ?? -1;
    await waitUntil('200 commands applied', async () => ((await quantity()) >= 200 && (await broker.pendingCommands()) === 0 ? true : undefined), 3 * MINUTES, 200);
    expect(await quantity()).toBe(200);
    expect(await broker.deadLetters()).toEqual([]);

    // npm itself dies of the SIGINT (as in a terminal); the service under it shuts down cleanly.
    await dev.stop('SIGINT');
    await broker.close();
    expect(/Assertion failed/.test(dev.output())).toBe(false);
    const shutdown = dev
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; exitCode?: number })
      .find((line) => line.msg === 'shutdown complete');
    expect(shutdown?.exitCode).toBe(0);
  }, 8 * MINUTES);

  it('with the broker unreachable, `npm test` fails at once, naming the broker, the URL and how to start one', async () => {
    const port = await freePort();
    const result = await npmWithServiceNode(repo, ['test'], { env: { DATABASE_URL: '', AMQP_URL: `amqp://guest:guest@127.0.0.1:${port}` }, timeoutMs: 2 * MINUTES });
    expect({ exitCode: result.exitCode, timedOut: result.timedOut }).toEqual({ exitCode: 1, timedOut: false });
    expect(result.stderr).toContain(`npm test: RabbitMQ is not reachable at amqp://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}); start it (locally: docker compose up -d rabbitmq) or set the URL`);
  }, 3 * MINUTES);
});
