import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OutboundMessage } from '../../src/messaging/broker.ts';
import type { CommandContext } from '../../src/messaging/consumer.ts';
import { orderCommandHandlers, RecentIds } from '../../src/orders/commands.ts';
import { OrderAdjustedEvent } from '../../src/orders/events.ts';
import { Compile } from 'typebox/compile';
import { silentLogger } from '../helpers.ts';

const context = (messageId: string): CommandContext => ({ messageId, deliveryCount: 1, finalAttempt: false, logger: silentLogger, alreadyApplied: () => undefined });

describe('order commands', () => {
  it('adjust adds delta, ignores a recent duplicate and publishes one event per change', async () => {
    const published: OutboundMessage[] = [];
    const quantities = new Map<string, { quantity: number; version: number }>();
    const { adjust } = orderCommandHandlers({ broker: { publish: async (message) => void published.push(message) }, quantities });
    assert.ok(adjust);
    await adjust.handle({ orderId: 'a', delta: 2 }, context('m-1'));
    await adjust.handle({ orderId: 'a', delta: 2 }, context('m-1'));
    await adjust.handle({ orderId: 'a', delta: 3 }, context('m-2'));
    assert.deepEqual(quantities.get('a'), { quantity: 5, version: 2 });
    assert.deepEqual(
      published.map((event) => [event.type, (event.data as { quantity: number }).quantity, Compile(OrderAdjustedEvent).Check(event.data)]),
      [
        ['order.adjusted', 2, true],
        ['order.adjusted', 5, true],
      ],
    );
  });

  it('remembers a bounded number of ids', () => {
    const ids = new RecentIds(2);
    ids.add('a');
    ids.add('b');
    ids.add('c');
    assert.equal(ids.has('a'), false);
    assert.equal(ids.has('c'), true);
  });
});
