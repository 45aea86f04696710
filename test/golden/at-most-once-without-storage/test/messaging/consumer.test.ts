import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Type } from 'typebox';
import type { Delivery } from '../../src/messaging/broker.ts';
import { consumerStallDetector } from '../../src/messaging/consumer-stall.ts';
import { commandHandler, createCommandConsumer, PermanentCommandError, retryDelayMs } from '../../src/messaging/consumer.ts';

const logger = pino({ level: 'silent' });
const retry = { baseDelayMs: 100, maxDelayMs: 1000 };

function delivery(body: unknown, overrides: Partial<Delivery> = {}): Delivery {
  return {
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    messageId: undefined,
    deliveryCount: 1,
    ...overrides,
  };
}

describe('createCommandConsumer', () => {
  const seen: Array<{ data: unknown; messageId: string; deliveryCount: number }> = [];
  const consumer = createCommandConsumer({
    logger,
    retry,
    semantics: 'at-least-once',
    maxDeliveries: 5,
    handlers: {
      add: commandHandler({
        schema: Type.Object({ n: Type.Integer() }, { additionalProperties: false }),
        async handle(data, context) {
          if (data.n === 13) throw new Error('database unavailable');
          if (data.n < 0) throw new PermanentCommandError('negative');
          if (data.n === 0) return context.alreadyApplied();
          seen.push({ data, messageId: context.messageId, deliveryCount: context.deliveryCount });
        },
      }),
    },
  });

  it('hands valid commands to their handler with the id and delivery count, then acks', async () => {
    assert.deepEqual(await consumer(delivery({ id: 'm-1', type: 'add', data: { n: 2 } }, { messageId: 'm-1' })), { kind: 'ack' });
    assert.deepEqual(seen.at(-1), { data: { n: 2 }, messageId: 'm-1', deliveryCount: 1 });
  });

  it('acknowledges a command its handler found applied before, marked as a duplicate', async () => {
    assert.deepEqual(await consumer(delivery({ id: 'm-0', type: 'add', data: { n: 0 } }, { messageId: 'm-0' })), { kind: 'ack', duplicate: true });
  });

  for (const [what, body] of [
    ['bad JSON', 'not json'],
    ['an unknown type', { id: 'm-2', type: 'explode', data: {} }],
    ['a prototype key as type', { id: 'm-2', type: 'constructor', data: {} }],
    ['invalid data', { id: 'm-3', type: 'add', data: { n: 'two' } }],
    ['extra fields', { id: 'm-4', type: 'add', data: { n: 1, extra: true } }],
  ] as const) {
    it(`dead-letters ${what} at once`, async () => {
      const outcome = await consumer(delivery(body));
      assert.equal(outcome.kind, 'dead-letter');
    });
  }

  it('says which field of invalid data is wrong', async () => {
    const outcome = await consumer(delivery({ id: 'm-6', type: 'add', data: { n: 'two' } }));
    assert.equal(outcome.kind, 'dead-letter');
    assert.match(outcome.kind === 'dead-letter' ? outcome.reason : '', /^invalid data for add: \/n /);
  });

  it('dead-letters a command the handler rejects for good', async () => {
    assert.deepEqual(await consumer(delivery({ id: 'm-5', type: 'add', data: { n: -1 } })), { kind: 'dead-letter', reason: 'negative' });
  });

  it('retries a failing handler with backoff that grows per delivery', async () => {
    const first = await consumer(delivery({ id: 'm-6', type: 'add', data: { n: 13 } }, { deliveryCount: 1 }));
    const fourth = await consumer(delivery({ id: 'm-6', type: 'add', data: { n: 13 } }, { deliveryCount: 4 }));
    assert.equal(first.kind, 'retry');
    assert.equal(fourth.kind, 'retry');
    if (first.kind === 'retry' && fourth.kind === 'retry') {
      assert.match(first.reason, /database unavailable/);
      assert.ok(first.delayMs >= 50 && first.delayMs <= 100, `first delay ${first.delayMs}`);
      assert.ok(fourth.delayMs >= 400 && fourth.delayMs <= 800, `fourth delay ${fourth.delayMs}`);
    }
  });
});

describe('finalAttempt', () => {
  it('is true only on the last delivery the broker will make (at-least-once) and always at-most-once', async () => {
    const flags: boolean[] = [];
    const consumerWith = (semantics: 'at-least-once' | 'at-most-once') =>
      createCommandConsumer({
        logger,
        retry,
        semantics,
        maxDeliveries: 3,
        handlers: { note: commandHandler({ schema: Type.Object({}), handle: async (_data, context) => void flags.push(context.finalAttempt) }) },
      });
    const note = (deliveryCount: number) => delivery({ id: 'm-9', type: 'note', data: {} }, { deliveryCount });
    for (const count of [1, 2, 3]) await consumerWith('at-least-once')(note(count));
    await consumerWith('at-most-once')(note(1));
    assert.deepEqual(flags, [false, false, true, true]);
  });
});

describe('retryDelayMs', () => {
  it('doubles per delivery, is capped, and jitters within half of it', () => {
    assert.equal(
      retryDelayMs(1, retry, () => 1),
      100,
    );
    assert.equal(
      retryDelayMs(3, retry, () => 1),
      400,
    );
    assert.equal(
      retryDelayMs(30, retry, () => 1),
      1000,
    );
    assert.equal(
      retryDelayMs(30, retry, () => 0),
      500,
    );
  });
});

describe('consumerStallDetector', () => {
  const at = (inFlight: number, waiting: number | undefined, lastSettledAt: number) =>
    consumerStallDetector({ progress: () => ({ inFlight, waiting, lastSettledAt }) }, 1000, () => 10_000).stallReason();

  it('reports a stall only when messages wait, some are in flight and nothing settled in time', () => {
    assert.match(at(2, 5, 8_000) ?? '', /consumer stalled: 2 in flight and 5 waiting/);
    assert.equal(at(2, 5, 9_500), undefined, 'recent progress');
    assert.equal(at(0, 5, 0), undefined, 'nothing in flight: the consumer is idle or disconnected, readiness covers that');
    assert.equal(at(2, 0, 0), undefined, 'nothing waiting: a slow handler, not a stall');
    assert.equal(at(2, undefined, 0), undefined, 'queue depth unknown');
  });
});

describe('createCommandConsumer while a dependency is unavailable', () => {
  const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

  function consumerFailing(failures: number, options: { patienceMs?: number; signal?: AbortSignal } = {}) {
    let calls = 0;
    const consumer = createCommandConsumer({
      logger,
      retry: { baseDelayMs: 10, maxDelayMs: 1000 },
      semantics: 'at-least-once',
      maxDeliveries: 2,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.patienceMs === undefined ? {} : { dependencyPatienceMs: options.patienceMs }),
      handlers: {
        add: commandHandler({
          schema: Type.Object({ n: Type.Integer() }),
          async handle() {
            calls += 1;
            if (calls <= failures) throw refused();
          },
        }),
      },
    });
    return { consumer, calls: () => calls };
  }

  it('waits for it without spending a delivery, even on the last delivery, then acks', async () => {
    const { consumer, calls } = consumerFailing(5);
    const outcome = await consumer(delivery({ id: 'm-w', type: 'add', data: { n: 1 } }, { deliveryCount: 2 }));
    assert.deepEqual(outcome, { kind: 'ack' });
    assert.equal(calls(), 6);
  });

  it('counts as a failed attempt (retry, never dead-letter) once the wait outlasts its patience', async () => {
    const { consumer } = consumerFailing(1_000, { patienceMs: 100 });
    const outcome = await consumer(delivery({ id: 'm-p', type: 'add', data: { n: 1 } }));
    assert.equal(outcome.kind, 'retry');
  });

  it('reports the waiting deliveries, so the stall detector leaves them be', async () => {
    const { consumer } = consumerFailing(3);
    const handling = consumer(delivery({ id: 'm-s', type: 'add', data: { n: 1 } }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(consumer.waitingForDependency(), 1);
    const detector = consumerStallDetector({ progress: () => ({ inFlight: 1, waiting: 10, lastSettledAt: 0 }) }, 1000, () => 10_000, consumer.waitingForDependency);
    assert.equal(detector.stallReason(), undefined);
    await handling;
    assert.equal(consumer.waitingForDependency(), 0);
  });

  it('lets go at once when consumption stops', async () => {
    const controller = new AbortController();
    const { consumer } = consumerFailing(1_000, { signal: controller.signal });
    const started = Date.now();
    const handling = consumer(delivery({ id: 'm-a', type: 'add', data: { n: 1 } }));
    setTimeout(() => controller.abort(), 50);
    assert.equal((await handling).kind, 'retry');
    assert.ok(Date.now() - started < 2_000);
  });
});
