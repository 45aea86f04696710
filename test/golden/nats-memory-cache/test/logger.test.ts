import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { lazyChild } from '../src/logger.ts';

function capture(level: string): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

describe('lazyChild', () => {
  it('makes the child only for a line at an enabled level, with its fields', async () => {
    const { logger, lines } = capture('warn');
    let made = 0;
    const log = lazyChild(logger, () => {
      made += 1;
      return { messageId: 'm-1' };
    });
    log.info('not written');
    log.debug({ extra: 1 }, 'not written either');
    assert.equal(made, 0, 'no child for lines below the level');
    log.warn({ reason: 'r' }, 'written');
    log.error('written too');
    assert.equal(made, 1, 'one child, made once');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      lines.map((line) => [line['msg'], line['messageId'], line['reason']]),
      [
        ['written', 'm-1', 'r'],
        ['written too', 'm-1', undefined],
      ],
    );
  });
});
