import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rateLimitedLog } from '../src/rate-limited-log.ts';

describe('rateLimitedLog', () => {
  it('logs the same failure once per interval, then says how many were suppressed', () => {
    const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
    let clock = 0;
    const warn = rateLimitedLog({ warn: ((fields: Record<string, unknown>, message: string) => lines.push({ fields, message })) as never }, 10_000, () => clock);
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    for (let index = 0; index < 500; index++) warn(refused, 'database unavailable');
    warn(new Error('other'), 'database unavailable');
    clock = 10_000;
    warn(refused, 'database unavailable');
    assert.deepEqual(
      lines.map((line) => [line.message, line.fields['suppressedSinceLast']]),
      [
        ['database unavailable', 0],
        ['database unavailable', 0],
        ['database unavailable', 499],
      ],
    );
  });
});
