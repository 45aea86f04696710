/**
 * Commands on orders, consumed from orders.order.commands. The example `adjust` adds
 * `delta` to an order's quantity and publishes a `order.adjusted` event.
 *
 * This service has no storage, so quantities live in memory and are lost on restart, and the
 * duplicate check below only remembers recent command ids of this replica. Adding is not
 * idempotent: a command redelivered after a restart, or to another replica, is applied twice.
 * A real handler must be idempotent on its own: keep an inbox of command ids in the same
 * transaction as the effect (see the postgres variant), or make the effect a pure "set to"
 * keyed by the command id. The event is published after the effect, not through an outbox:
 * a crash between the two loses the event.
 */
import { Type } from 'typebox';
import type { Broker } from '../messaging/broker.ts';
import { commandHandler, type CommandHandler } from '../messaging/consumer.ts';
import { randomUUID } from 'node:crypto';

export const AdjustData = Type.Object(
  {
    orderId: Type.String({ minLength: 1, maxLength: 200 }),
    delta: Type.Integer({ minimum: -1_000_000, maximum: 1_000_000 }),
  },
  { additionalProperties: false },
);

export const ADJUSTED_EVENT = 'order.adjusted';

/** Recently applied command ids, oldest first; bounded, so memory stays bounded. */
export class RecentIds {
  readonly #ids = new Set<string>();
  readonly #capacity: number;

  constructor(capacity = 100_000) {
    this.#capacity = capacity;
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  add(id: string): void {
    this.#ids.add(id);
    if (this.#ids.size > this.#capacity) {
      const oldest = this.#ids.values().next().value;
      if (oldest !== undefined) this.#ids.delete(oldest);
    }
  }
}

export function orderCommandHandlers(options: {
  broker: Pick<Broker, 'publish'>;
  quantities?: Map<string, { quantity: number; version: number }>;
}): Record<string, CommandHandler<any>> {
  const quantities = options.quantities ?? new Map<string, { quantity: number; version: number }>();
  const applied = new RecentIds();
  const adjust = commandHandler({
    schema: AdjustData,
    async handle(data, context) {
      if (applied.has(context.messageId)) {
        context.alreadyApplied();
        context.logger.info('duplicate command: already applied');
        return;
      }
      const current = quantities.get(data.orderId) ?? { quantity: 0, version: 0 };
      const next = { quantity: current.quantity + data.delta, version: current.version + 1 };
      quantities.set(data.orderId, next);
      applied.add(context.messageId);
      await options.broker.publish({
        topic: ADJUSTED_EVENT,
        id: randomUUID(),
        type: ADJUSTED_EVENT,
        data: { orderId: data.orderId, delta: data.delta, ...next, commandId: context.messageId },
      });
    },
  });
  return { adjust };
}
