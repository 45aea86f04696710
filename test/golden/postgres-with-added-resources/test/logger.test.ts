import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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

/** Runs `body` in a process of its own, with `log` made by createLogger at level info. */
function runWithLogger(body: string) {
  const logger = new URL('../src/logger.ts', import.meta.url).href;
  const script = `import { createLogger } from ${JSON.stringify(logger)};\nconst log = createLogger({ logLevel: 'info' });\n${body}`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
}

describe('createLogger', () => {
  it('has every line on stdout when the call returns, so a process killed right after loses none', () => {
    const child = runWithLogger(`
      for (let line = 0; line < 1000; line++) log.info({ line }, 'before the end');
      process.kill(process.pid, 'SIGKILL');
    `);
    assert.equal(child.signal, 'SIGKILL', child.stderr);
    // Written through a thread-pool queue (pino's default), all but the first were lost.
    assert.equal(child.stdout.split('\n').filter((line) => line.includes('before the end')).length, 1000);
  });

  it('stamps each line with the ISO time it was written at (formatted once per millisecond)', () => {
    const before = Date.now();
    const child = runWithLogger(`
      log.info('first');
      log.info('same millisecond, most likely');
      const until = Date.now() + 5;
      while (Date.now() < until);
      log.info('later');
    `);
    const after = Date.now();
    assert.equal(child.status, 0, child.stderr);
    const times = child.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { time: string }).time);
    assert.equal(times.length, 3);
    for (const time of times) {
      assert.match(time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.ok(Date.parse(time) >= before && Date.parse(time) <= after, `${time} is within the run`);
    }
    assert.ok(Date.parse(times[2]!) - Date.parse(times[0]!) >= 5, `the later line has a later time: ${times.join(', ')}`);
  });
});
