/**
 * The command consumer, broker-neutral: parse → validate → dispatch by `type` → outcome. The
 * adapter settles the delivery from the outcome (ack, retry later, dead-letter) according to
 * the delivery semantics. Poison messages (bad JSON, unknown type, invalid data, a permanent
 * failure) go to the dead-letter queue at once. A dependency that is unavailable (connection
 * refused or lost, a timeout, a failover: src/dependency-errors.ts) is not the message's fault:
 * the handler waits for it, holding the delivery (so consumption pauses: every in-flight slot
 * waits) and retrying with capped backoff for up to DEPENDENCY_PATIENCE_MS, without spending a
 * delivery. Other failures of the effect (a deadlock, a version not there yet) are retried with
 * exponential backoff until the broker's delivery limit dead-letters them.
 *
 * While writes are paused (`writesEnabled`, the read-only switch), valid commands are held the
 * same way, without a bound: none is applied, none is dead-lettered, no delivery is spent, and
 * since every in-flight slot holds one, the broker stops handing out more. They apply within a
 * second of writes coming back. A held command is handed back (one delivery spent) only when the
 * service stops consuming; see docs/operations/faults.md for the brokers' own limits.
 */
import { Compile } from 'typebox/compile';
import type { TSchema, Static } from 'typebox';
import { isDependencyUnavailable } from '../dependency-errors.ts';
import { lazyChild, type Logger } from '../logger.ts';
import { rateLimitedLog } from '../rate-limited-log.ts';
import type { Delivery, DeliveryHandler, DeliverySemantics, Outcome } from './broker.ts';
import { parseEnvelope } from './envelope.ts';

export interface CommandContext {
  /** The command's id: the key of the inbox, so a redelivered command is applied once. */
  messageId: string;
  deliveryCount: number;
  /**
   * True when a failure now is final: no redelivery follows (at-most-once, or the delivery limit
   * is reached). Handlers that report an outcome somewhere (a status row) record the failure then.
   */
  finalAttempt: boolean;
  logger: Logger;
  /** The handler found the command applied before (a redelivery): it is acknowledged and counted as a duplicate. */
  alreadyApplied(): void;
}

export interface CommandHandler<S extends TSchema = TSchema> {
  /** What `data` must look like; a command that does not match is poison. */
  schema: S;
  handle(data: Static<S>, context: CommandContext): Promise<void>;
}

/** Declares a handler with its data type inferred from the schema. */
export function commandHandler<S extends TSchema>(handler: CommandHandler<S>): CommandHandler<S> {
  return handler;
}

/** A failure that no retry can fix (e.g. the command would break an invariant): dead-letter it at once. */
export class PermanentCommandError extends Error {
  override name = 'PermanentCommandError';
}

export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Exponential backoff with full jitter, so retries of many replicas do not synchronise. */
export function retryDelayMs(deliveryCount: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, deliveryCount - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

/**
 * How long one delivery waits for an unavailable dependency before it counts as a failed attempt.
 * Below the NATS adapter's 5-minute handling limit (after which the server redelivers), so a
 * held message is never handled twice at once. A message is dead-lettered for an outage only
 * after MESSAGING_MAX_DELIVERIES such waits (20 minutes with the default 5).
 */
export const DEPENDENCY_PATIENCE_MS = 4 * 60_000;
/** The longest pause between two attempts while waiting: recovery is noticed within this. */
export const DEPENDENCY_RETRY_MAX_MS = 2_000;
/** How often a command held while writes are paused looks at the switch again. */
export const WRITES_RECHECK_MS = 250;
/** Logged (rate-limited) while commands are held for paused writes; not an Error: no stack to show. */
const WRITES_PAUSED = { code: 'writes_disabled', message: 'the dynamic setting writesEnabled is false' };

export interface ConsumerOptions {
  handlers: Readonly<Record<string, CommandHandler<any>>>;
  logger: Logger;
  retry: RetryPolicy;
  semantics: DeliverySemantics;
  /** The broker's delivery limit (MESSAGING_MAX_DELIVERIES). */
  maxDeliveries: number;
  /** Aborted when the service stops consuming: deliveries waiting for a dependency give up then. */
  signal?: AbortSignal;
  /** Defaults to DEPENDENCY_PATIENCE_MS (tests use less). */
  dependencyPatienceMs?: number;
  /** The read-only switch (the dynamic setting writesEnabled); absent where there is none. */
  writesEnabled?: () => boolean;
}

export interface CommandConsumer extends DeliveryHandler {
  /** Deliveries waiting for an unavailable dependency right now (the stall detector lets them be). */
  waitingForDependency(): number;
}

const sleep = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export function createCommandConsumer(options: ConsumerOptions): CommandConsumer {
  const { handlers, logger, retry, semantics, maxDeliveries, signal, dependencyPatienceMs = DEPENDENCY_PATIENCE_MS, writesEnabled } = options;
  const warnWaiting = rateLimitedLog(logger, 10_000);
  let waiting = 0;

  /**
   * Holds the delivery while writes are paused; false when the service stopped consuming first
   * (the command was not applied and goes back to the broker).
   */
  async function writesResumed(delivery: Delivery): Promise<boolean> {
    if (writesEnabled === undefined || writesEnabled()) return true;
    waiting += 1;
    try {
      while (!writesEnabled()) {
        if (signal?.aborted) return false;
        warnWaiting(WRITES_PAUSED, 'writes are paused: command consumption is paused (held, not applied, no delivery spent)');
        delivery.stillHolding?.();
        await sleep(WRITES_RECHECK_MS, signal);
      }
      return true;
    } finally {
      waiting -= 1;
    }
  }

  /** Runs the handler, waiting out an unavailable dependency; throws what is not that (or what outlasted the patience). */
  async function handleWaitingForDependencies(run: () => Promise<void>): Promise<void> {
    const giveUpAt = Date.now() + dependencyPatienceMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await run();
        return;
      } catch (error) {
        if (!isDependencyUnavailable(error) || Date.now() >= giveUpAt || signal?.aborted) throw error;
        warnWaiting(error, 'a dependency is unavailable: command consumption waits for it (no delivery is spent)');
        waiting += 1;
        try {
          await sleep(Math.min(DEPENDENCY_RETRY_MAX_MS, retry.baseDelayMs * 2 ** (attempt - 1)), signal);
        } finally {
          waiting -= 1;
        }
      }
    }
  }

  // Schemas compiled once: checking data against an interpreted schema cost more CPU than
  // parsing the command. A Map, so a type like "__proto__" finds nothing.
  const byType = new Map(Object.entries(handlers).map(([type, handler]) => [type, { handler, validator: Compile(handler.schema) }]));
  const consume = async (delivery: Delivery): Promise<Outcome> => {
    // The sender's trace, not an id of its own, correlates these lines (trace_id, when traced).
    const log = lazyChild(logger, () => ({ messageId: delivery.messageId, deliveryCount: delivery.deliveryCount }));
    const parsed = parseEnvelope(delivery.body, delivery.messageId);
    if (!parsed.ok) {
      log.warn({ reason: parsed.reason }, 'poison command: dead-lettered');
      return { kind: 'dead-letter', reason: parsed.reason };
    }
    const { envelope } = parsed;
    const entry = byType.get(envelope.type);
    if (entry === undefined) {
      const reason = `unknown command type ${JSON.stringify(envelope.type)}`;
      log.warn({ type: envelope.type, reason }, 'poison command: dead-lettered');
      return { kind: 'dead-letter', reason };
    }
    const { handler, validator } = entry;
    if (!validator.Check(envelope.data)) {
      const first = validator.Errors(envelope.data)[0];
      const reason = `invalid data for ${envelope.type}: ${first ? `${first.instancePath || '/'} ${first.message}` : 'does not match the schema'}`;
      log.warn({ type: envelope.type, reason }, 'poison command: dead-lettered');
      return { kind: 'dead-letter', reason };
    }
    if (!(await writesResumed(delivery))) {
      const reason = 'writes are paused (writesEnabled is false) and the service stopped consuming: not applied';
      log.info({ type: envelope.type }, `${reason}; handed back to the broker`);
      return { kind: 'retry', reason, delayMs: 0 };
    }
    let duplicate = false;
    try {
      const context = {
        messageId: envelope.id,
        deliveryCount: delivery.deliveryCount,
        finalAttempt: semantics === 'at-most-once' || delivery.deliveryCount >= maxDeliveries,
        logger: lazyChild(logger, () => ({ messageId: delivery.messageId, deliveryCount: delivery.deliveryCount, type: envelope.type })),
        alreadyApplied: () => {
          duplicate = true;
        },
      };
      await handleWaitingForDependencies(() => handler.handle(envelope.data, context));
      log.debug({ type: envelope.type }, 'command handled');
      return duplicate ? { kind: 'ack', duplicate: true } : { kind: 'ack' };
    } catch (error) {
      if (error instanceof PermanentCommandError) {
        log.warn({ type: envelope.type, reason: error.message }, 'command rejected: dead-lettered');
        return { kind: 'dead-letter', reason: error.message };
      }
      const delayMs = retryDelayMs(delivery.deliveryCount, retry);
      log.warn({ err: error, type: envelope.type, delayMs }, 'command failed: will retry');
      return { kind: 'retry', reason: error instanceof Error ? error.message : String(error), delayMs };
    }
  };
  return Object.assign(consume, { waitingForDependency: () => waiting });
}
