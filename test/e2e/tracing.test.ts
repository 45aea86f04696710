/**
 * Tracing, proven on the built bundle the image ships: per broker, one generated service
 * (PostgreSQL, Redis cache, at-least-once) runs under a read-only root as uid 10001 against the
 * real PostgreSQL, Redis and broker, exporting OTLP/HTTP JSON to a receiver this test owns.
 * An adjustment POSTed with a given traceparent must come back as one trace: the server span as
 * the caller's child, its queries as children, the outbox relay's PRODUCER span, the consumer's
 * CONSUMER span and the consumer's queries; log lines of the request and of the consumer carry
 * its trace id. A read shows the Redis call as a child span, probes stay untraced, and without an
 * endpoint nothing is exported and no log line has a trace id. The metrics for what fails are
 * read after that traffic and checked with `promtool check metrics` (Debian's prometheus package).
 */
import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { execa } from 'execa';
import {
  createTestDatabase,
  describeRun,
  freePort,
  http,
  makeWorkDir,
  messagingNames,
  npmWithServiceNode,
  openTestBroker,
  runCli,
  startHardened,
  startOtlpReceiver,
  useE2eCleanup,
  waitUntil,
  type BrokerKind,
  type HardenedProcess,
  type ReceivedSpan,
  type TestDatabase,
} from './support/index.js';

useE2eCleanup(120_000);

const MINUTES = 60_000;
const REDIS_URL = 'redis://127.0.0.1:6379';
const SPAN_KIND = { server: 2, client: 3, producer: 4, consumer: 5 } as const;

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

interface LogLine {
  msg?: string;
  trace_id?: string;
  span_id?: string;
  url?: string;
}

const logLines = (service: HardenedProcess): LogLine[] =>
  service.stdoutLines.flatMap((line) => {
    try {
      return [JSON.parse(line) as LogLine];
    } catch {
      return [];
    }
  });

describe.each<BrokerKind>(['rabbitmq', 'nats'])('tracing on %s, in the bundle, hardened', (broker) => {
  const name = `trace-${broker === 'rabbitmq' ? 'rmq' : 'nats'}-${hex(3)}`;
  let repo = '';
  let database: TestDatabase;

  async function start(env: Record<string, string>): Promise<HardenedProcess> {
    const client = await openTestBroker(broker, messagingNames(name, 'item'));
    const service = await startHardened({
      cwd: repo,
      command: 'node',
      args: ['dist/main.js'],
      port: await freePort(),
      env: { NODE_ENV: 'production', LOG_LEVEL: 'info', HOST: '127.0.0.1', DATABASE_URL: database.url, REDIS_URL, ...client.serviceEnv, ...env },
    });
    await service.waitForHttp('/readyz', { timeoutMs: 30_000 });
    return service;
  }

  async function createItem(service: HardenedProcess): Promise<{ id: string; etag: string }> {
    const created = await http<{ id: string }>(`${service.baseUrl}/items`, { body: { name: 'traced', quantity: 5 } });
    expect(created.status).toBe(201);
    return { id: created.json?.id ?? '', etag: String(created.headers.etag) };
  }

  it('generates, installs and builds', async () => {
    const work = await makeWorkDir(`tracing-${broker}`);
    const args = ['new', name, '--yes', '--storage', 'postgres', '--cache', 'redis', '--messaging', 'at-least-once', '--broker', broker, '--resource', 'item'];
    const created = await runCli([...args, '--skip-install', '--skip-git'], { cwd: work });
    expect({ exitCode: created.exitCode, output: created.exitCode === 0 ? '' : describeRun('microforge new', created) }).toEqual({ exitCode: 0, output: '' });
    repo = join(work, name);
    for (const npmArgs of [['install', '--no-audit', '--no-fund'], ['run', 'typecheck'], ['run', 'build']]) {
      const result = await npmWithServiceNode(repo, npmArgs, { timeoutMs: 5 * MINUTES });
      expect({ npmArgs, exitCode: result.exitCode, output: result.exitCode === 0 ? '' : describeRun(`npm ${npmArgs.join(' ')}`, result) }).toEqual({
        npmArgs,
        exitCode: 0,
        output: '',
      });
    }
    database = await createTestDatabase('tracing');
  }, 8 * MINUTES);

  it('one trace from an HTTP request with a traceparent, through the database and the outbox, across the broker, to the consumer', async () => {
    const receiver = await startOtlpReceiver();
    const service = await start({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: `${name}-traced`,
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    const item = await createItem(service);
    const caller = { traceId: hex(16), spanId: hex(8) };
    const submitted = await http<{ statusUrl: string }>(`${service.baseUrl}/items/${item.id}/adjustments`, {
      body: { delta: 2 },
      headers: { 'if-match': item.etag, traceparent: `00-${caller.traceId}-${caller.spanId}-01` },
    });
    expect(submitted.status).toBe(202);
    await waitUntil('the adjustment to be done', async () => {
      const status = await http<{ status: string }>(`${service.baseUrl}${submitted.json?.statusUrl ?? ''}`);
      return status.json?.status === 'done' ? true : undefined;
    }, 30_000, 100);

    const inTrace = (): ReceivedSpan[] => receiver.spans.filter((span) => span.traceId === caller.traceId);
    const consumer = await waitUntil('the consumer span', async () => inTrace().find((span) => span.kind === SPAN_KIND.consumer), 30_000, 100);
    const spans = inTrace();
    const describeTrace = spans.map((span) => `${span.name} (${span.kind}) ${span.spanId} <- ${span.parentSpanId ?? 'root'}`).join('\n');

    const server = spans.find((span) => span.kind === SPAN_KIND.server);
    expect({ name: server?.name, parent: server?.parentSpanId, service: server?.serviceName }).toEqual({
      name: 'POST /items/:id/adjustments',
      parent: caller.spanId,
      service: `${name}-traced`,
    });
    expect(server?.attributes['http.route']).toBe('/items/:id/adjustments');
    // The request's own queries (the status row and the outbox insert) are its children.
    const requestQueries = spans.filter((span) => span.scope === '@opentelemetry/instrumentation-pg' && span.parentSpanId === server?.spanId);
    expect(requestQueries.map((span) => span.attributes['db.query.text']).join('\n')).toMatch(/insert into outbox/);
    // The relay published the outbox row as part of the request's trace.
    const producer = spans.find((span) => span.kind === SPAN_KIND.producer && span.parentSpanId === server?.spanId);
    expect({ producer: producer?.name, trace: describeTrace }).toEqual({ producer: 'send adjust command', trace: describeTrace });
    // The consumer continued it from the message headers, and its queries are its children.
    expect({ parent: consumer.parentSpanId, system: consumer.attributes['messaging.system'], outcome: consumer.attributes['messaging.outcome'] }).toEqual({
      parent: producer?.spanId,
      system: broker,
      outcome: 'ack',
    });
    const consumerQueries = spans.filter((span) => span.scope === '@opentelemetry/instrumentation-pg' && span.parentSpanId === consumer.spanId);
    expect(consumerQueries.map((span) => span.attributes['db.query.text']).join('\n')).toMatch(/update "items" set quantity/);
    // Every span of the service in this trace hangs off the caller: one tree, no second trace.
    const ids = new Set([caller.spanId, ...spans.map((span) => span.spanId)]);
    expect(spans.filter((span) => !ids.has(span.parentSpanId ?? ''))).toEqual([]);

    // Log lines of the request and of the consumer carry the trace.
    const lines = logLines(service).filter((line) => line.trace_id === caller.traceId);
    expect(lines.find((line) => line.msg === 'request completed' && line.url?.endsWith('/adjustments'))?.span_id).toBe(server?.spanId);
    expect(lines.find((line) => line.msg === 'item adjusted')?.span_id).toBe(consumer.spanId);

    // A read: the Redis call is a child of its server span.
    const reader = { traceId: hex(16), spanId: hex(8) };
    expect((await http(`${service.baseUrl}/items/${item.id}`, { headers: { traceparent: `00-${reader.traceId}-${reader.spanId}-01` } })).status).toBe(200);
    const readServer = await waitUntil('the read span', async () => receiver.spans.find((span) => span.traceId === reader.traceId && span.kind === SPAN_KIND.server), 10_000, 100);
    expect(readServer.name).toBe('GET /items/:id');
    await waitUntil('the Redis span', async () =>
      receiver.spans.find((span) => span.scope === '@opentelemetry/instrumentation-ioredis' && span.parentSpanId === readServer.spanId), 10_000, 100);
    // Probes, polled every few seconds, are not traced.
    expect(receiver.spans.filter((span) => String(span.attributes['url.path']).endsWith('z'))).toEqual([]);
    expect([...receiver.contentTypes]).toEqual(['application/json']);

    // The metrics for what fails, after real traffic, and in a shape promtool accepts.
    const metrics = (await http(`${service.baseUrl}/metrics`)).text;
    for (const sample of [
      /^messaging_messages_processed_total\{(?=[^}]*outcome="done")[^}]*\} [1-9]/m,
      /^messaging_messages_processed_total\{(?=[^}]*outcome="dead_lettered")[^}]*\} 0$/m,
      /^messaging_processing_duration_seconds_count\{(?=[^}]*outcome="done")[^}]*\} [1-9]/m,
      /^messaging_broker_up\{[^}]*\} 1$/m,
      /^outbox_messages\{[^}]*\} \d+$/m,
      /^outbox_oldest_message_age_seconds\{[^}]*\} [\d.e-]+$/m,
      /^db_pool_connections\{(?=[^}]*state="idle")[^}]*\} \d+$/m,
      /^db_pool_waiting_clients\{[^}]*\} 0$/m,
    ]) {
      expect({ sample: String(sample), found: sample.test(metrics) }).toEqual({ sample: String(sample), found: true });
    }
    const promtool = await execa('promtool', ['check', 'metrics'], { input: metrics, reject: false });
    expect({ exitCode: promtool.exitCode, problems: `${promtool.stdout}${promtool.stderr}` }).toEqual({ exitCode: 0, problems: '' });

    expect(await service.stop()).toMatchObject({ code: 0 });
  }, 3 * MINUTES);

  it('a collector that does not answer: requests are still served, and the log says spans are lost, and why, once', async () => {
    const service = await start({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
    });
    const item = await createItem(service);
    const lost = () => service.stdoutLines.filter((line) => line.includes('the tracing SDK reports a problem: spans may be lost'));
    await waitUntil(
      'a log line saying spans are lost',
      async () => {
        expect((await http(`${service.baseUrl}/items/${item.id}`)).status).toBe(200);
        return lost().length > 0 ? true : undefined;
      },
      30_000,
      200,
    );
    expect(JSON.parse(lost()[0]!)).toMatchObject({ level: 'warn', err: { message: expect.stringContaining('ECONNREFUSED'), code: 'ECONNREFUSED' } });
    // Every batch of these reads fails again (one every 100 ms); the log says so once a minute.
    for (let index = 0; index < 10; index++) {
      expect((await http(`${service.baseUrl}/items/${item.id}`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(await service.stop()).toMatchObject({ code: 0 });
    expect(lost()).toHaveLength(1);
  }, 2 * MINUTES);

  it('without an endpoint exports nothing and logs no trace ids, even for a traced caller', async () => {
    const receiver = await startOtlpReceiver();
    const service = await start({});
    const item = await createItem(service);
    const traceId = hex(16);
    const read = await http(`${service.baseUrl}/items/${item.id}`, { headers: { traceparent: `00-${traceId}-${hex(8)}-01` } });
    expect(read.status).toBe(200);
    expect(await service.stop()).toMatchObject({ code: 0 });
    expect(receiver.spans).toEqual([]);
    expect(logLines(service).filter((line) => line.trace_id !== undefined)).toEqual([]);
    expect(logLines(service).some((line) => line.msg === 'request completed')).toBe(true);
    await database.drop();
  }, 2 * MINUTES);
});
