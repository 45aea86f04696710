/**
 * The command consumer, broker-neutral: parse → validate → dispatch by `type` → outcome. The
 * adapter settles the delivery from the outcome (ack, retry later, dead-letter) according to
 * the delivery semantics. Poison messages (bad JSON, unknown type, invalid data) go to the
 * dead-letter queue at once; failures of the effect (database down, deadlock) are retried with
 * exponential backoff until the broker's delivery limit dead-letters them.
 */
import { Compile } from 'typebox/compile';
import type { TSchema, Static } from 'typebox';
import type { Logger } from '../logger.ts';
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

export interface ConsumerOptions {
  handlers: Readonly<Record<string, CommandHandler<any>>>;
  logger: Logger;
  retry: RetryPolicy;
  semantics: DeliverySemantics;
  /** The broker's delivery limit (MESSAGING_MAX_DELIVERIES). */
  maxDeliveries: number;
}

export function createCommandConsumer(options: ConsumerOptions): DeliveryHandler {
  const { handlers, logger, retry, semantics, maxDeliveries } = options;
  // Schemas compiled once: checking data against an interpreted schema cost more CPU than
  // parsing the command. A Map, so a type like "__proto__" finds nothing.
  const byType = new Map(Object.entries(handlers).map(([type, handler]) => [type, { handler, validator: Compile(handler.schema) }]));
  return async (delivery: Delivery): Promise<Outcome> => {
    // The sender's trace, not an id of its own, correlates these lines (trace_id, when traced).
    const log = logger.child({ messageId: delivery.messageId, deliveryCount: delivery.deliveryCount });
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
    let duplicate = false;
    try {
      await handler.handle(envelope.data, {
        messageId: envelope.id,
        deliveryCount: delivery.deliveryCount,
        finalAttempt: semantics === 'at-most-once' || delivery.deliveryCount >= maxDeliveries,
        logger: log.child({ type: envelope.type }),
        alreadyApplied: () => {
          duplicate = true;
        },
      });
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
}
