/**
 * Every adapter to the outside world is built here, and only here. Each registers its readiness
 * check and its closer with the lifecycle, so probes and shutdown cover it without knowing it.
 */
import type { Config } from './config.ts';
import type { Metrics } from './http/metrics.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Logger } from './logger.ts';
import { selectDatabase } from './db/database.ts';
import { runMigrations } from './db/migrate.ts';
import { createPool, pingDatabase } from './db/pool.ts';
import { registerPoolMetrics } from './db/pool-metrics.ts';
import { TombstonePurger } from './db/tombstone-purger.ts';
import { LiveSettings } from './settings/live-settings.ts';
import { PgSettingsStore } from './settings/settings-store.ts';
import { mountResources } from './resources/index.ts';
import { OutboxSignal, type MountedResource } from './resources/resource-module.ts';
import { PgOrderStore, type OrderStore } from './orders/store.ts';
import { createOrderCache } from './cache/cache.ts';
import { createMessaging } from './messaging/messaging.ts';
import { PgAdjustmentQueue, type AdjustmentQueue } from './orders/adjustments.ts';

export interface Adapters {
  orders: OrderStore;
  settings: LiveSettings;
  /** Resources added with `microforge add resource`. */
  resources: MountedResource[];
  orderAdjustments: AdjustmentQueue;
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

  // Outside production an unset DATABASE_URL selects an embedded PostgreSQL (src/db/database.ts).
  const database = selectDatabase(config, logger, lifecycle);
  const pool = createPool(database.settings, logger);
  lifecycle.registerCheck({ name: 'postgres', check: () => pingDatabase(pool) });
  lifecycle.registerCloser({ name: 'postgres', close: () => pool.end() });
  registerPoolMetrics(metrics.registry, pool);
  starters.push(async () => {
    await database.start();
    if (config.database.migrateOnStart) {
      await runMigrations({ pool, logger });
    } else {
      await pingDatabase(pool);
      logger.info('migrations at start-up are disabled (DATABASE_MIGRATE_ON_START=false)');
    }
  });
  // Both need the schema, so they start after the migrations; their closers run before the pool's.
  const settings = new LiveSettings({ store: new PgSettingsStore(pool), logger, refreshMs: config.dynamicSettingsRefreshMs });
  const purger = new TombstonePurger({ pool, logger, ...config.tombstones });
  lifecycle.registerCloser({ name: 'dynamic settings', close: () => settings.stop() });
  lifecycle.registerCloser({ name: 'tombstone purger', close: () => purger.stop() });
  starters.push(async () => {
    await settings.start();
    purger.start();
  });

  // After the migrations (started above): they create the trigger the cache listens to.
  const cache = createOrderCache({
    config,
    database: { url: database.settings.url, connectTimeoutMs: config.database.connectTimeoutMs },
    logger,
    lifecycle,
    metrics,
    store: new PgOrderStore(pool),
  });
  starters.push(() => cache.start());

  // Resources added with `microforge add resource` (src/resources/index.ts), after the migrations.
  // The outbox signal wakes the outbox relay (with messaging) after their transactions wrote to it.
  const outbox = new OutboxSignal();
  const resources = mountResources({
    pool,
    outbox,
    config,
    database: { url: database.settings.url, connectTimeoutMs: config.database.connectTimeoutMs, embedded: database.kind === 'embedded' },
    logger,
    lifecycle,
    metrics,
  });
  for (const resource of resources) starters.push(() => resource.start());

  // After the database (registered above), so its closers run before the pool closes.
  const messaging = createMessaging(config, logger, lifecycle, metrics, pool, settings, outbox);
  beside.push(() => messaging.connect());
  starters.push(() => messaging.start());

  return {
    orders: cache.store,
    settings,
    resources,
    orderAdjustments: new PgAdjustmentQueue(pool, () => messaging.outboxCommitted()),
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
