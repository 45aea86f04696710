/** Shared test fixtures. Tests build the app with `app.inject()`; nothing listens on a port. */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { buildApp, type AppDependencies } from '../src/http/app.ts';
import { Lifecycle, type LifecycleOptions } from '../src/lifecycle.ts';

export const silentLogger = pino({ level: 'silent' });

export function startedLifecycle(options: Partial<LifecycleOptions> = {}): Lifecycle {
  const lifecycle = new Lifecycle({ checkTimeoutMs: 200, ...options });
  lifecycle.markStarted();
  return lifecycle;
}

export async function testApp(overrides: Partial<AppDependencies> = {}) {
  return buildApp({
    logger: silentLogger,
    lifecycle: startedLifecycle(),
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
