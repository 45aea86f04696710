import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonViewOf } from '../../src/resources/json-view.ts';

describe('jsonViewOf', () => {
  function counted() {
    const counter = { built: 0 };
    const toJson = jsonViewOf((row: { id: string; at: Date }) => {
      counter.built += 1;
      return { id: row.id, at: row.at.toISOString() };
    });
    return { toJson, counter };
  }

  it('builds the JSON of a frozen (shared) row once, and a new frozen row gets its own', () => {
    const { toJson, counter } = counted();
    const cached = Object.freeze({ id: 'a', at: new Date(0) });
    assert.equal(toJson(cached), toJson(cached));
    assert.equal(counter.built, 1);
    const updated = Object.freeze({ id: 'a', at: new Date(1000) });
    assert.deepEqual(toJson(updated), { id: 'a', at: '1970-01-01T00:00:01.000Z' });
    assert.equal(counter.built, 2);
  });

  it('keeps nothing for a row that is not frozen: it may change, and is usually read once', () => {
    const { toJson, counter } = counted();
    const row = { id: 'a', at: new Date(0) };
    assert.deepEqual(toJson(row), { id: 'a', at: '1970-01-01T00:00:00.000Z' });
    row.at = new Date(2000);
    assert.deepEqual(toJson(row), { id: 'a', at: '1970-01-01T00:00:02.000Z' });
    assert.equal(counter.built, 2);
  });
});
