/**
 * At-least-once acknowledgements of one channel, coalesced. In a quorum queue every ack frame is
 * a command in the queue's Raft log, written like the enqueue it settles, so acking each delivery
 * in a frame of its own cost the broker CPU that the consumer's throughput paid for.
 *
 * An ack is held while other deliveries of the channel are still being handled, for at most
 * `holdMs`, and leaves with the acks that came meanwhile: the run of consecutive deliveries, from
 * the oldest unsettled one on, that all wait for an ack goes as one `multiple` ack (it acknowledges
 * every unsettled delivery up to its tag, so it never reaches past one still being handled or
 * never handed to a handler); the others go one by one. Once nothing else is in flight, an ack
 * leaves at once. Holding is safe: the effect was committed before `ack()` is called, and a crash
 * during the hold only redelivers commands already applied, which the consumer's idempotency
 * makes harmless, as for any redelivery.
 */
import type { ConsumeMessage } from 'amqplib';

/** How long an ack may wait for others: a fraction of a command's handling time, so prefetch slots are not kept busy. */
export const ACK_HOLD_MS = 3;

/** What this needs of an amqplib channel. */
export interface AckingChannel {
  ack(message: ConsumeMessage, allUpTo?: boolean): void;
}

export class CoalescedAcks {
  readonly #channel: AckingChannel;
  readonly #holdMs: number;
  readonly #onFailed: (error: unknown) => void;
  /** Delivered and not settled on the wire yet, in delivery order (a channel's tags only grow). */
  readonly #unsettled = new Set<number>();
  /** Handled, committed and waiting for its ack frame. */
  readonly #held = new Map<number, ConsumeMessage>();
  #timer: NodeJS.Timeout | undefined;

  /** `onFailed`: an ack sent by the hold timer failed (the channel closed; the broker redelivers). */
  constructor(channel: AckingChannel, onFailed: (error: unknown) => void, holdMs = ACK_HOLD_MS) {
    this.#channel = channel;
    this.#onFailed = onFailed;
    this.#holdMs = holdMs;
  }

  /** Every delivery of the channel, as it arrives, before anything can settle it. */
  delivered(message: ConsumeMessage): void {
    this.#unsettled.add(message.fields.deliveryTag);
  }

  /** Settled otherwise (rejected): a later multiple ack may pass it. */
  settledElsewhere(message: ConsumeMessage): void {
    this.#unsettled.delete(message.fields.deliveryTag);
  }

  /** Acks soon; at once (throwing what the channel throws) when no other delivery is in flight. */
  ack(message: ConsumeMessage): void {
    this.#held.set(message.fields.deliveryTag, message);
    if (this.#held.size === this.#unsettled.size) {
      this.flush();
      return;
    }
    this.#timer ??= setTimeout(() => {
      try {
        this.flush();
      } catch (error) {
        this.#onFailed(error);
      }
    }, this.#holdMs);
  }

  /** Sends every held ack now (before the channel closes, say); throws what the channel throws. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    let runEnd: ConsumeMessage | undefined;
    let runLength = 0;
    for (const tag of this.#unsettled) {
      const held = this.#held.get(tag);
      if (held === undefined) break;
      runEnd = held;
      runLength += 1;
    }
    const alone = [...this.#held.values()].filter((message) => runEnd === undefined || message.fields.deliveryTag > runEnd.fields.deliveryTag);
    for (const tag of this.#held.keys()) this.#unsettled.delete(tag);
    this.#held.clear();
    if (runEnd !== undefined) this.#channel.ack(runEnd, runLength > 1);
    for (const message of alone) this.#channel.ack(message);
  }
}
