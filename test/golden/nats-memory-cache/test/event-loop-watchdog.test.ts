import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventLoopWatchdog } from '../src/event-loop-watchdog.ts';

function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy-wait: simulates synchronous work that starves the event loop
  }
}

describe('EventLoopWatchdog', () => {
  it('reports a stall longer than the threshold, then recovers', async (t) => {
    const watchdog = new EventLoopWatchdog({ stallMs: 300, intervalMs: 50 });
    t.after(() => watchdog.stop());
    watchdog.start();
    await sleep(100);
    assert.equal(watchdog.stallReason(), undefined);

    blockEventLoop(700);
    await sleep(1); // the overdue sample runs first
    assert.match(watchdog.stallReason() ?? '', /^event loop stalled for \d+ ms \(threshold 300 ms\)$/);

    await sleep(300);
    assert.equal(watchdog.stallReason(), undefined);
  });

  it('derives a sampling interval from the threshold', () => {
    assert.equal(new EventLoopWatchdog({ stallMs: 1000 }).intervalMs, 500);
    assert.equal(new EventLoopWatchdog({ stallMs: 10 }).intervalMs, 10);
    assert.equal(new EventLoopWatchdog({ stallMs: 10_000 }).intervalMs, 1000);
  });
});
