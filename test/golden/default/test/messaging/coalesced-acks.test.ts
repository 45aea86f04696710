/**
 * Coalesced acks against a recording channel: which frames leave, and when. The property that
 * matters most: a multiple ack never reaches past a delivery that is still being handled, or one
 * a handler never got, since that would acknowledge a command that was never applied.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumeMessage } from 'amqplib';
import { CoalescedAcks } from '../../src/messaging/coalesced-acks.ts';

const HOLD_MS = 20;

const unexpectedFailure = (error: unknown) => assert.fail(`an ack failed: ${String(error)}`);

const delivery = (deliveryTag: number) => ({ fields: { deliveryTag } }) as ConsumeMessage;

function recordingChannel() {
  const frames: string[] = [];
  return {
    frames,
    ack(message: ConsumeMessage, allUpTo = false) {
      frames.push(`${allUpTo ? 'up to ' : ''}${message.fields.deliveryTag}`);
    },
  };
}

function deliverAll(acks: CoalescedAcks, tags: number[]): Map<number, ConsumeMessage> {
  const messages = new Map(tags.map((tag) => [tag, delivery(tag)]));
  for (const message of messages.values()) acks.delivered(message);
  return messages;
}

describe('coalesced acks', () => {
  it('acks at once, in a frame of its own, when nothing else is in flight', () => {
    const channel = recordingChannel();
    const acks = new CoalescedAcks(channel, unexpectedFailure, HOLD_MS);
    const [first] = deliverAll(acks, [1]).values();
    acks.ack(first!);
    assert.deepEqual(channel.frames, ['1']);
  });

  it('holds acks while others are in flight and sends the consecutive ones as one multiple ack', async () => {
    const channel = recordingChannel();
    const acks = new CoalescedAcks(channel, unexpectedFailure, HOLD_MS);
    const messages = deliverAll(acks, [1, 2, 3, 4]);
    acks.ack(messages.get(1)!);
    acks.ack(messages.get(2)!);
    acks.ack(messages.get(3)!);
    assert.deepEqual(channel.frames, [], 'held while delivery 4 is in flight');
    await sleep(HOLD_MS * 3);
    assert.deepEqual(channel.frames, ['up to 3']);
    acks.ack(messages.get(4)!);
    assert.deepEqual(channel.frames, ['up to 3', '4'], 'the last one in flight is acked at once');
  });

  it('never acks past a delivery still being handled: the acks after it go one by one', async () => {
    const channel = recordingChannel();
    const acks = new CoalescedAcks(channel, unexpectedFailure, HOLD_MS);
    const messages = deliverAll(acks, [1, 2, 3, 4]);
    acks.ack(messages.get(1)!);
    acks.ack(messages.get(4)!);
    acks.ack(messages.get(3)!);
    await sleep(HOLD_MS * 3);
    assert.deepEqual(channel.frames, ['1', '4', '3'], 'delivery 2 is still in flight: no multiple ack covers it');
  });

  it('lets a multiple ack pass a delivery that was rejected, not one never handed to a handler', () => {
    const channel = recordingChannel();
    const acks = new CoalescedAcks(channel, unexpectedFailure, HOLD_MS);
    const messages = deliverAll(acks, [1, 2, 3]);
    acks.settledElsewhere(messages.get(1)!);
    acks.ack(messages.get(2)!);
    acks.ack(messages.get(3)!);
    assert.deepEqual(channel.frames, ['up to 3'], 'nothing else unsettled: sent at once');

    const later = deliverAll(acks, [4, 5]);
    acks.ack(later.get(5)!);
    acks.flush();
    assert.deepEqual(channel.frames, ['up to 3', '5'], 'delivery 4 is unsettled: 5 alone');
  });

  it('flush() sends what is held at once', () => {
    const channel = recordingChannel();
    const acks = new CoalescedAcks(channel, unexpectedFailure, 60_000);
    const messages = deliverAll(acks, [7, 8, 9]);
    acks.ack(messages.get(7)!);
    acks.ack(messages.get(8)!);
    acks.flush();
    assert.deepEqual(channel.frames, ['up to 8']);
  });

  it('reports an ack the hold timer could not send (a closed channel) instead of throwing', async () => {
    const failures: unknown[] = [];
    const closed = {
      ack() {
        throw new Error('Channel closed');
      },
    };
    const acks = new CoalescedAcks(closed, (error) => failures.push(error), HOLD_MS);
    const messages = deliverAll(acks, [1, 2]);
    acks.ack(messages.get(1)!);
    await sleep(HOLD_MS * 3);
    assert.equal(failures.length, 1);
    assert.match(String(failures[0]), /Channel closed/);
  });
});
