/**
 * Every adapter to the outside world is built here, and only here. Each registers its readiness
 * check and its closer with the lifecycle, so probes and shutdown cover it without knowing it.
 */
import type { Config } from './config.ts';
import type { Metrics } from './http/metrics.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Logger } from './logger.ts';
import { createMessaging } from './messaging/messaging.ts';

export interface Adapters {
  /** Work that must finish before the service counts as started (connections, migrations). */
  start(): Promise<void>;
  /** Stops background work that takes new work in (consumers); resolves once in-flight work is done. */
  stopIntake(): Promise<void>;
}

export function createAdapters(config: Config, logger: Logger, lifecycle: Lifecycle, metrics: Metrics): Adapters {
  // The first starter readies the schema; the others need it and start together after it. Connections
  // that do not need it (a broker's connection and topology) open beside the first, so start-up waits
  // for the slowest of them, not their sum.
  const starters: Array<() => Promise<void>> = [];
  const beside: Array<() => Promise<void>> = [];

  // After the database (registered above), so its closers run before the pool closes.
  const messaging = createMessaging(config, logger, lifecycle, metrics);
  beside.push(() => messaging.connect());
  starters.push(() => messaging.start());

  return {
    async start() {
      const [first, ...rest] = starters;
      await Promise.all([first?.(), ...beside.map((start) => start())]);
      await Promise.all(rest.map((start) => start()));
    },
    async stopIntake() {
      await messaging.stopConsuming();
    },
  };
}
