/**
 * The one place that knows where the process is in its life: starting, started, stopping or
 * stopped; whether it hit a fatal error; which dependency checks decide readiness and which
 * resources must be closed on shutdown. Probes only read it; start-up and shutdown drive it.
 */

export type Phase = 'starting' | 'started' | 'stopping' | 'stopped';

/** A dependency that readiness reports (a database, a broker, a cache...). */
export interface DependencyCheck {
  name: string;
  /**
   * false: reported in /readyz (its state, its error) but the replica stays ready when it fails,
   * because the replica still serves without it (a broker behind an outbox: every replica would
   * otherwise leave the Service at once while CRUD keeps working). Defaults to true.
   */
  gatesReadiness?: boolean;
  /** Resolves when the dependency answers; rejects (or does not settle in time) when it does not. */
  check(signal: AbortSignal): Promise<void>;
}

/** Something to close on shutdown, in reverse order of registration. */
export interface Closer {
  name: string;
  close(): Promise<void>;
}

/** Tells whether the process itself is stuck; see EventLoopWatchdog. */
export interface StallDetector {
  stallReason(): string | undefined;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  /** Whether a failure of this check makes the replica unready. */
  gatesReadiness: boolean;
  durationMs: number;
  error?: string;
}

export interface ProbeResult {
  ok: boolean;
  phase: Phase;
  reason?: string;
}

export interface ReadinessResult extends ProbeResult {
  checks: CheckResult[];
}

export interface LifecycleOptions {
  /** How long one dependency check may take before readiness counts it as failed. */
  checkTimeoutMs: number;
  stallDetector?: StallDetector;
}

export class Lifecycle {
  #phase: Phase = 'starting';
  #startedOnce = false;
  #fatal: string | undefined;
  readonly #checks: DependencyCheck[] = [];
  readonly #closers: Closer[] = [];
  readonly #checkTimeoutMs: number;
  readonly #stallDetectors: StallDetector[] = [];

  constructor(options: LifecycleOptions) {
    this.#checkTimeoutMs = options.checkTimeoutMs;
    if (options.stallDetector) this.#stallDetectors.push(options.stallDetector);
  }

  get phase(): Phase {
    return this.#phase;
  }

  get shuttingDown(): boolean {
    return this.#phase === 'stopping' || this.#phase === 'stopped';
  }

  registerCheck(check: DependencyCheck): void {
    if (this.#checks.some((existing) => existing.name === check.name)) {
      throw new Error(`a dependency check named ${check.name} is already registered`);
    }
    this.#checks.push(check);
  }

  /** Another way the process can be stuck (e.g. a consumer that stopped making progress); liveness fails on any. */
  registerStallDetector(detector: StallDetector): void {
    this.#stallDetectors.push(detector);
  }

  registerCloser(closer: Closer): void {
    this.#closers.push(closer);
  }

  /** Start-up finished (adapters connected, migrations applied). Ignored once shutdown began. */
  markStarted(): void {
    if (this.#phase !== 'starting') return;
    this.#phase = 'started';
    this.#startedOnce = true;
  }

  /** Returns false when shutdown had already begun, so callers run it only once. */
  beginShutdown(): boolean {
    if (this.shuttingDown) return false;
    this.#phase = 'stopping';
    return true;
  }

  markStopped(): void {
    this.#phase = 'stopped';
  }

  /** An error the process cannot recover from (uncaught exception, unhandled rejection). */
  markFatal(error: unknown): void {
    this.#fatal ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }

  get fatal(): string | undefined {
    return this.#fatal;
  }

  startup(): ProbeResult {
    return this.#startedOnce ? { ok: true, phase: this.#phase } : { ok: false, phase: this.#phase, reason: 'start-up has not finished' };
  }

  /** The process itself only: never a dependency, so a database outage does not restart pods. */
  liveness(): ProbeResult {
    if (this.#fatal !== undefined) return { ok: false, phase: this.#phase, reason: `fatal error: ${this.#fatal}` };
    for (const detector of this.#stallDetectors) {
      const stall = detector.stallReason();
      if (stall !== undefined) return { ok: false, phase: this.#phase, reason: stall };
    }
    return { ok: true, phase: this.#phase };
  }

  /** Started, not shutting down, not fatally broken, and every dependency check passes. */
  async readiness(): Promise<ReadinessResult> {
    const phase = this.#phase;
    if (this.#fatal !== undefined) return { ok: false, phase, reason: `fatal error: ${this.#fatal}`, checks: [] };
    if (phase === 'starting') return { ok: false, phase, reason: 'start-up has not finished', checks: [] };
    if (phase !== 'started') return { ok: false, phase, reason: 'shutting down', checks: [] };
    const checks = await Promise.all(this.#checks.map((check) => this.#run(check)));
    const failed = checks.filter((check) => !check.ok && check.gatesReadiness).map((check) => check.name);
    return failed.length === 0 ? { ok: true, phase, checks } : { ok: false, phase, reason: `dependency check failed: ${failed.join(', ')}`, checks };
  }

  /** Closes every registered resource, newest first; one failure does not stop the others. */
  async closeAll(onError: (name: string, error: unknown) => void): Promise<void> {
    for (const closer of [...this.#closers].reverse()) {
      try {
        await closer.close();
      } catch (error) {
        onError(closer.name, error);
      }
    }
  }

  async #run(check: DependencyCheck): Promise<CheckResult> {
    const started = performance.now();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`timed out after ${this.#checkTimeoutMs} ms`));
      }, this.#checkTimeoutMs);
    });
    try {
      await Promise.race([check.check(controller.signal), timeout]);
      return { name: check.name, ok: true, gatesReadiness: check.gatesReadiness ?? true, durationMs: elapsed(started) };
    } catch (error) {
      return {
        name: check.name,
        ok: false,
        gatesReadiness: check.gatesReadiness ?? true,
        durationMs: elapsed(started),
        error: error instanceof Error ? error.message : String(error),
      };
    } finally {
      clearTimeout(timer);
    }
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
