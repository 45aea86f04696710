import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SETTINGS, overrideErrors, PAGE_SIZE_CEILING, settingsFromOverrides } from '../../src/settings/dynamic-settings.ts';

describe('dynamic settings', () => {
  it('has a default for every setting', () => {
    assert.deepEqual(DEFAULT_SETTINGS, { maxPageSize: 100, writesEnabled: true });
    assert.ok(Object.isFrozen(DEFAULT_SETTINGS));
  });

  it('accepts valid overrides, any subset of them', () => {
    assert.deepEqual(overrideErrors({}), []);
    assert.deepEqual(overrideErrors({ maxPageSize: 5 }), []);
    assert.deepEqual(overrideErrors({ maxPageSize: PAGE_SIZE_CEILING, writesEnabled: false }), []);
  });

  it('names each invalid or unknown override', () => {
    assert.deepEqual(overrideErrors({ maxPageSize: 0, writesEnabled: 'no', pageSize: 3 }), [
      `maxPageSize must be an integer between 1 and ${PAGE_SIZE_CEILING}`,
      'writesEnabled must be true or false',
      '"pageSize" is not a dynamic setting (known: maxPageSize, writesEnabled)',
    ]);
    assert.deepEqual(overrideErrors({ maxPageSize: 2.5 }), [`maxPageSize must be an integer between 1 and ${PAGE_SIZE_CEILING}`]);
    assert.match(overrideErrors([1])[0] ?? '', /must be a JSON object/);
    assert.match(overrideErrors(null)[0] ?? '', /must be a JSON object/);
  });

  it('reads stored overrides over the defaults, ignoring bad values instead of failing', () => {
    assert.deepEqual(settingsFromOverrides({ maxPageSize: 7 }), { settings: { maxPageSize: 7, writesEnabled: true }, ignored: [] });
    assert.deepEqual(settingsFromOverrides({ maxPageSize: -3, writesEnabled: false, removedLongAgo: 1 }), {
      settings: { maxPageSize: 100, writesEnabled: false },
      ignored: ['maxPageSize', 'removedLongAgo'],
    });
    assert.deepEqual(settingsFromOverrides('garbage'), { settings: DEFAULT_SETTINGS, ignored: ['(not an object)'] });
  });
});
