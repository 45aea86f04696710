/**
 * Every adapter to the outside world is built here, and only here. Each registers its readiness
 * check and its closer with the lifecycle, so probes and shutdown cover it without knowing it.
 */
import type { Config } from './config.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Logger } from './logger.ts';
import { createMessaging } from './messaging/messaging.ts';

export interface Adapters {
  /** Work that must finish before the service counts as started (connections, migrations). */
  start(): Promise<void>;
  /** Stops background work that takes new work in (consumers); resolves once in-flight work is done. */
  stopIntake(): Promise<void>;
}

export function createAdapters(config: Config, logger: Logger, lifecycle: Lifecycle): Adapters {
  const starters: Array<() => Promise<void>> = [];

  // After the database (registered above), so its closers run before the pool closes.
  const messaging = createMessaging(config, logger, lifecycle);
  starters.push(() => messaging.start());

  return {
    async start() {
      for (const start of starters) await start();
    },
    async stopIntake() {
      await messaging.stopConsuming();
    },
  };
}
