import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonViewOf } from '../../src/resources/json-view.ts';

describe('jsonViewOf', () => {
  it('builds the JSON of a row object once, and a new row object gets its own', () => {
    let built = 0;
    const toJson = jsonViewOf((row: { id: string; at: Date }) => {
      built += 1;
      return { id: row.id, at: row.at.toISOString() };
    });
    const cached = { id: 'a', at: new Date(0) };
    assert.equal(toJson(cached), toJson(cached));
    assert.equal(built, 1);
    const updated = { id: 'a', at: new Date(1000) };
    assert.deepEqual(toJson(updated), { id: 'a', at: '1970-01-01T00:00:01.000Z' });
    assert.equal(built, 2);
  });
});
