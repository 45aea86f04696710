/** Shared test fixtures. Tests build the app with `app.inject()`; nothing listens on a port. */
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
