import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quoteOrder } from '../../src/orders/quote.ts';

describe('quoteOrder', () => {
  it('multiplies quantity by unit price', () => {
    assert.equal(quoteOrder({ name: 'a', quantity: 4, unitPriceCents: 250 }).totalCents, 1000);
  });

  it('rounds the discount to whole cents', () => {
    const quote = quoteOrder({ name: 'a', quantity: 1, unitPriceCents: 5, discountPercent: 50 });
    assert.deepEqual([quote.subtotalCents, quote.discountCents, quote.totalCents], [5, 3, 2]);
  });

  it('refuses amounts beyond the safe integer range', () => {
    assert.throws(() => quoteOrder({ name: 'a', quantity: 2 ** 30, unitPriceCents: 2 ** 30 }), RangeError);
  });
});
