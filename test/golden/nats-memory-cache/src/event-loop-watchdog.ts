/**
 * Detects a stalled event loop for /livez. Two signals, sampled every interval: the maximum
 * delay seen by perf_hooks.monitorEventLoopDelay, and the drift of the sampling timer itself
 * (which catches a loop that was blocked across the whole interval). A sample whose delay
 * exceeds the threshold marks the process as stalled until a later sample is healthy again.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

type IntervalHistogram = ReturnType<typeof monitorEventLoopDelay>;

export interface EventLoopWatchdogOptions {
  /** Delay above which the loop counts as stalled. */
  stallMs: number;
  /** Sampling interval; defaults to half the threshold, between 10 ms and 1 s. */
  intervalMs?: number;
}

export class EventLoopWatchdog {
  readonly stallMs: number;
  readonly intervalMs: number;
  readonly #histogram: IntervalHistogram;
  #timer: NodeJS.Timeout | undefined;
  #lastSampleAt = 0;
  #stalledForMs: number | undefined;

  constructor(options: EventLoopWatchdogOptions) {
    this.stallMs = options.stallMs;
    this.intervalMs = options.intervalMs ?? Math.min(1000, Math.max(10, Math.floor(options.stallMs / 2)));
    this.#histogram = monitorEventLoopDelay({ resolution: Math.max(1, Math.min(20, Math.floor(this.intervalMs / 2))) });
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#histogram.enable();
    this.#lastSampleAt = performance.now();
    this.#timer = setInterval(() => this.sample(), this.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#histogram.disable();
  }

  /** Takes one sample; called by the timer, and directly by tests. */
  sample(): void {
    const now = performance.now();
    const drift = now - this.#lastSampleAt - this.intervalMs;
    this.#lastSampleAt = now;
    const histogramMax = this.#histogram.count > 0 ? this.#histogram.max / 1e6 : 0;
    this.#histogram.reset();
    const delay = Math.max(drift, histogramMax);
    this.#stalledForMs = delay > this.stallMs ? Math.round(delay) : undefined;
  }

  stallReason(): string | undefined {
    return this.#stalledForMs === undefined ? undefined : `event loop stalled for ${this.#stalledForMs} ms (threshold ${this.stallMs} ms)`;
  }
}
