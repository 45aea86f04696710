import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeEnvelope, parseEnvelope } from '../../src/messaging/envelope.ts';

describe('parseEnvelope', () => {
  it('accepts { id, type, data } whose id matches the message id', () => {
    const body = encodeEnvelope({ id: 'm-1', type: 'adjust', data: { delta: 1 } });
    assert.deepEqual(parseEnvelope(body, 'm-1'), { ok: true, envelope: { id: 'm-1', type: 'adjust', data: { delta: 1 } } });
    assert.equal(parseEnvelope(body, undefined).ok, true);
  });

  for (const [what, body, reason] of [
    ['not JSON', 'not json {', /not valid JSON/],
    ['not an object', '[1, 2]', /not a JSON object/],
    ['no id', JSON.stringify({ type: 'adjust', data: {} }), /"id" must be/],
    ['an empty type', JSON.stringify({ id: 'm-1', type: '', data: {} }), /"type" must be/],
  ] as const) {
    it(`rejects a body that is ${what}`, () => {
      const result = parseEnvelope(Buffer.from(body), undefined);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.reason, reason);
    });
  }

  it('rejects an id that differs from the message id', () => {
    const result = parseEnvelope(encodeEnvelope({ id: 'm-1', type: 'adjust', data: {} }), 'm-2');
    assert.equal(result.ok, false);
  });
});
