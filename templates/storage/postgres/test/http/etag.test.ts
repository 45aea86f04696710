import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { etagFor, ifNoneMatchHits, parseIfMatch } from '../../src/http/etag.ts';

describe('entity tags', () => {
  it('formats a version as a strong ETag', () => {
    assert.equal(etagFor(7), '"7"');
  });

  it('parses If-Match with strong comparison', () => {
    assert.deepEqual(parseIfMatch(undefined), { kind: 'missing' });
    assert.deepEqual(parseIfMatch(' '), { kind: 'missing' });
    assert.deepEqual(parseIfMatch('*'), { kind: 'wildcard' });
    assert.deepEqual(parseIfMatch('"3"'), { kind: 'versions', versions: [3] });
    assert.deepEqual(parseIfMatch('"3", W/"4", "5"'), { kind: 'versions', versions: [3, 5] });
    assert.deepEqual(parseIfMatch('"abc", "99999999999"'), { kind: 'versions', versions: [] });
  });

  it('matches If-None-Match with weak comparison', () => {
    assert.equal(ifNoneMatchHits('"2"', 2), true);
    assert.equal(ifNoneMatchHits('W/"2"', 2), true);
    assert.equal(ifNoneMatchHits('"1", "2"', 2), true);
    assert.equal(ifNoneMatchHits('*', 2), true);
    assert.equal(ifNoneMatchHits('"1"', 2), false);
    assert.equal(ifNoneMatchHits(undefined, 2), false);
  });
});
