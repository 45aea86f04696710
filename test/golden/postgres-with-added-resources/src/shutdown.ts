/**
 * Graceful shutdown, driven by SIGTERM/SIGINT or a fatal error: readiness fails at once, the
 * listener stays open for a short drain so load balancers notice, then stops accepting while
 * in-flight requests finish, adapters close, and the process exits. A hard deadline exits 1
 * if anything hangs. Works with node as PID 1 (signals are handled here, not by a shell).
 */
import type { Lifecycle } from './lifecycle.ts';
import type { Logger } from './logger.ts';

export interface ShutdownOptions {
  lifecycle: Lifecycle;
  logger: Logger;
  drainMs: number;
  timeoutMs: number;
  /** Stops accepting connections and resolves once in-flight requests have finished. */
  closeServer: () => Promise<void>;
  exit: (code: number) => void;
}

export type Shutdown = (reason: string, exitCode?: number) => Promise<void>;

export function createShutdown(options: ShutdownOptions): Shutdown {
  const { lifecycle, logger } = options;
  let exitCode = 0;

  return async (reason, code = 0) => {
    exitCode = Math.max(exitCode, code);
    // Draining only matters if load balancers were sending traffic here, i.e. after start-up.
    const wasServing = lifecycle.phase === 'started';
    if (!lifecycle.beginShutdown()) {
      logger.info({ reason }, 'shutdown already in progress');
      return;
    }
    logger.info({ reason, drainMs: options.drainMs, timeoutMs: options.timeoutMs }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.fatal({ timeoutMs: options.timeoutMs }, 'shutdown deadline exceeded; exiting');
      options.exit(1);
    }, options.timeoutMs);
    deadline.unref();

    try {
      if (wasServing && options.drainMs > 0) await new Promise((resolve) => setTimeout(resolve, options.drainMs));
      await options.closeServer();
    } catch (error) {
      exitCode = 1;
      logger.error({ err: error }, 'closing the HTTP server failed');
    }
    await lifecycle.closeAll((name, error) => {
      exitCode = 1;
      logger.error({ err: error, resource: name }, 'closing a resource failed');
    });
    lifecycle.markStopped();
    clearTimeout(deadline);
    logger.info({ exitCode }, 'shutdown complete');
    options.exit(exitCode);
  };
}

/** Wires process signals and fatal errors to the shutdown. Call once, from main.ts. */
export function installProcessHandlers(shutdown: Shutdown, lifecycle: Lifecycle, logger: Logger): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      void shutdown(signal);
    });
  }
  const fatal = (kind: string) => (error: unknown) => {
    lifecycle.markFatal(error);
    logger.fatal({ err: error }, kind);
    void shutdown(kind, 1);
  };
  process.on('uncaughtException', fatal('uncaught exception'));
  process.on('unhandledRejection', fatal('unhandled promise rejection'));
}
