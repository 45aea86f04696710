/**
 * What a resource added with `microforge add resource` plugs in: src/resources/index.ts lists
 * the modules, the adapters mount each one (its store, its cache when the service has one), and
 * the app registers the mounted routes. Neither the app nor the adapters name a resource, so a
 * new resource is a new folder plus one line in the generated list.
 */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { Config } from '../config.ts';
import type { Metrics } from '../http/metrics.ts';
import type { Lifecycle } from '../lifecycle.ts';
import type { Logger } from '../logger.ts';
import type { SettingsView } from '../settings/live-settings.ts';

/**
 * Wakes whoever publishes the outbox after a resource's transaction wrote to it: with messaging,
 * the outbox relay listens (src/messaging/messaging.ts), so a queued command or an event goes out
 * at once rather than at the relay's next poll. Without messaging nobody listens.
 */
export class OutboxSignal {
  readonly #listeners: Array<() => void> = [];

  listen(listener: () => void): void {
    this.#listeners.push(listener);
  }

  committed(): void {
    for (const listener of this.#listeners) listener();
  }
}

/** What a resource needs to serve its routes over its own store, without the read cache. */
export interface StoreDependencies {
  pool: pg.Pool;
  outbox: OutboxSignal;
}

export interface ResourceDependencies extends StoreDependencies {
  config: Config;
  /** The database the service uses (src/db/database.ts), which notifies changes. */
  database: { url: string; connectTimeoutMs: number; embedded: boolean };
  logger: Logger;
  lifecycle: Lifecycle;
  metrics: Metrics;
}

export interface MountedResource {
  name: string;
  /** Registers the resource's routes in the service's context (src/http/app.ts). */
  register(app: FastifyInstance, settings: SettingsView): PromiseLike<unknown>;
  /** Runs after the migrations, before the service counts as started. */
  start(): Promise<void>;
}

export interface ResourceModule {
  name: string;
  mount(deps: ResourceDependencies): MountedResource;
  /** The routes over the store alone, as mount serves them without a read cache (tests of routes mount this). */
  mountWithoutCache(deps: StoreDependencies): MountedResource;
}
