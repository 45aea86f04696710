import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBackend } from '../../src/cache/backends.ts';

describe('MemoryBackend', () => {
  it('hands every reader the same entry, frozen, so no reader can change what the others see', () => {
    const backend = new MemoryBackend<{ quantity: number }>({ maxEntries: 10, ttlMs: 60_000 });
    backend.set('a', { quantity: 1 }, 60_000);
    const first = backend.get('a');
    assert.equal(backend.get('a'), first);
    assert.ok(first !== undefined && Object.isFrozen(first));
    assert.throws(() => {
      (first as { quantity: number }).quantity = 2;
    }, TypeError);
    assert.equal(backend.get('a')?.quantity, 1);
  });
});
