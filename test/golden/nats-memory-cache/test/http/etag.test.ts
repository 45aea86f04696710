import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpError } from '../../src/http/errors.ts';
import { etagFor, ifNoneMatchHits, parseIfMatch, requiredIfMatchVersions } from '../../src/http/etag.ts';

describe('entity tags', () => {
  it('formats a version as a strong ETag', () => {
    assert.equal(etagFor(7), '"7"');
  });

  it('requires If-Match naming versions for writes: 428 when it is missing or *', () => {
    assert.deepEqual(requiredIfMatchVersions('"3", W/"4", "5"', 'the thing'), [3, 5]);
    for (const [header, message] of [
      [undefined, 'If-Match with the ETag of the thing is required'],
      ['*', "If-Match must name the ETag of the thing; '*' is not accepted"],
    ] as const) {
      assert.throws(
        () => requiredIfMatchVersions(header, 'the thing'),
        (error: unknown) => error instanceof HttpError && error.statusCode === 428 && error.code === 'precondition_required' && error.message === message,
      );
    }
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
