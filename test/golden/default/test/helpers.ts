/** Shared test fixtures. Tests build the app with `app.inject()`; nothing listens on a port. */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { buildApp, type AppDependencies } from '../src/http/app.ts';
import { Lifecycle, type LifecycleOptions } from '../src/lifecycle.ts';
import { DEFAULT_SETTINGS, type DynamicSettings } from '../src/settings/dynamic-settings.ts';
import type { SettingsAdministration } from '../src/settings/live-settings.ts';
import type { OrderStore } from '../src/orders/store.ts';
import type { AdjustmentQueue } from '../src/orders/adjustments.ts';

export const silentLogger = pino({ level: 'silent' });

export function startedLifecycle(options: Partial<LifecycleOptions> = {}): Lifecycle {
  const lifecycle = new Lifecycle({ checkTimeoutMs: 200, ...options });
  lifecycle.markStarted();
  return lifecycle;
}

/**
 * The database the PostgreSQL tests use: DATABASE_URL, or the embedded one test/run-tests.ts
 * started when it was unset. They fail loudly rather than pass without one.
 */
export function databaseUrl(): string {
  const url = process.env['DATABASE_URL'];
  if (url === undefined || url === '') {
    throw new Error(
      'DATABASE_URL is not set: run the tests with npm test (it starts an embedded database), or e.g. ' +
        'DATABASE_URL=postgres://postgres@127.0.0.1:5432/orders_test npm test',
    );
  }
  return url;
}

/** Why a test that needs a real server's behaviour is skipped on the embedded database, or false. */
export function needsRealPostgres(what: string): string | false {
  return process.env['TEST_DATABASE_EMBEDDED'] === '1' ? `the embedded database (one session for all connections) cannot show ${what}; set DATABASE_URL` : false;
}

/** For tests that do not touch orders: any use of the store is a test bug. */
export const unusedStore = new Proxy({} as OrderStore, {
  get(_target, property) {
    throw new Error(`this test does not expect the order store to be used (accessed ${String(property)})`);
  },
});

/** Dynamic settings fixed for a test: the defaults, with `overrides` over them; not writable. */
export function fixedSettings(overrides: Partial<DynamicSettings> = {}): SettingsAdministration {
  const settings = Object.freeze({ ...DEFAULT_SETTINGS, ...overrides });
  return {
    version: 0,
    current: () => settings,
    read: () => Promise.reject(new Error('fixedSettings cannot be read as stored settings; use LiveSettings')),
    write: () => Promise.reject(new Error('fixedSettings cannot be changed; use LiveSettings')),
  };
}

/** For tests that do not queue adjustments. */
export const unusedAdjustments = new Proxy({} as AdjustmentQueue, {
  get(_target, property) {
    throw new Error(`this test does not expect adjustments to be queued (accessed ${String(property)})`);
  },
});

export async function testApp(overrides: Partial<AppDependencies> = {}) {
  return buildApp({
    logger: silentLogger,
    lifecycle: startedLifecycle(),
    orders: unusedStore,
    settings: fixedSettings(),
    adminToken: undefined,
    orderAdjustments: unusedAdjustments,
    ...overrides,
  });
}

/** The broker the messaging tests use; they fail loudly rather than pass without one. */
export function brokerUrl(): string {
  const url = process.env['AMQP_URL'];
  if (url === undefined || url === '') {
    throw new Error('AMQP_URL is not set: these tests need a real RabbitMQ broker, e.g. AMQP_URL=amqp://guest:guest@127.0.0.1:5672 npm test');
  }
  return url;
}

/** Broker names of their own for one test, so runs never share queues or streams. */
export function uniqueMessagingNames(label: string): { service: string; commands: string; events: string; deadLetter: string } {
  const service = `test-${label}-${randomBytes(4).toString('hex')}`;
  return {
    service,
    commands: `${service}.order.commands`,
    events: `${service}.events`,
    deadLetter: `${service}.order.commands.dead-letter`,
  };
}
