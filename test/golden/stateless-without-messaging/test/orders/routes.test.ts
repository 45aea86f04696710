import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/http/app.ts';
import { testApp } from '../helpers.ts';

const json = { 'content-type': 'application/json' };

describe('POST /orders/quote', () => {
  let app: App;
  before(async () => {
    app = await testApp();
  });
  after(() => app.close());

  it('computes a quote without storing anything', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/orders/quote',
      headers: json,
      payload: { name: 'widget', quantity: 3, unitPriceCents: 199, discountPercent: 10 },
    });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), {
      name: 'widget',
      quantity: 3,
      unitPriceCents: 199,
      subtotalCents: 597,
      discountCents: 60,
      totalCents: 537,
    });
  });

  it('rejects invalid input with a JSON 400', async () => {
    for (const payload of [
      {},
      { name: 'x', quantity: 0, unitPriceCents: 1 },
      { name: 'x', quantity: 1, unitPriceCents: 1.5 },
      { name: 'x', quantity: 1, unitPriceCents: 1, discountPercent: 101 },
      { name: 'x', quantity: 1, unitPriceCents: 1, extra: true },
    ]) {
      const response = await app.inject({ method: 'POST', url: '/orders/quote', headers: json, payload });
      assert.equal(response.statusCode, 400, JSON.stringify(payload));
      assert.equal(response.json().error.code, 'validation_failed');
    }
  });
});
