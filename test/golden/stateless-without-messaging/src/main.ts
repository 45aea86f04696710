/**
 * Composition root: configuration → adapters → HTTP app → start → shutdown. Nothing else in
 * the service starts work on import.
 */
import { ConfigError, loadConfig, SERVICE_NAME, type Config } from './config.ts';
import { EventLoopWatchdog } from './event-loop-watchdog.ts';
import { buildApp } from './http/app.ts';
import { createMetrics } from './http/metrics.ts';
import { Lifecycle } from './lifecycle.ts';
import { createLogger } from './logger.ts';
import { createShutdown, installProcessHandlers } from './shutdown.ts';
import { loadTracingSdk, startTracing, TracingConfigError, type Tracing } from './telemetry/tracing.ts';

function configOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${SERVICE_NAME}: invalid configuration: ${error.message}\n`);
    process.exit(1);
  }
}

/** Before anything else, so the libraries are instrumented before they are used. */
async function tracingOrExit(): Promise<Tracing> {
  try {
    return await startTracing(process.env);
  } catch (error) {
    if (!(error instanceof TracingConfigError)) throw error;
    process.stderr.write(`${SERVICE_NAME}: invalid tracing configuration: ${error.message}\n`);
    process.exit(1);
  }
}

// The image build runs this (Dockerfile): by now every module of the bundle is compiled (the
// tracing SDK's chunk once loaded), and with NODE_COMPILE_CACHE set Node writes their V8 code to
// that cache as the process exits, so every start of the image deserializes it instead of parsing
// the bundle again.
if (process.argv.includes('--warm-compile-cache')) {
  await loadTracingSdk();
  process.exit(0);
}

const config = configOrExit();
const tracing = await tracingOrExit();
const logger = createLogger(config);
tracing.reportProblemsTo(logger);
const watchdog = new EventLoopWatchdog({ stallMs: config.eventLoopStallMs });
const lifecycle = new Lifecycle({ checkTimeoutMs: config.readinessCheckTimeoutMs, stallDetector: watchdog });
// Closers run newest first: the spans of shutdown itself are exported last.
lifecycle.registerCloser({ name: 'tracing', close: () => tracing.shutdown() });
lifecycle.registerCloser({ name: 'event-loop watchdog', close: async () => watchdog.stop() });

const metrics = createMetrics();
const app = await buildApp({
  logger,
  traced: tracing.enabled,
  lifecycle,
  metrics,
});

const shutdown = createShutdown({
  lifecycle,
  logger,
  drainMs: config.shutdownDrainMs,
  timeoutMs: config.shutdownTimeoutMs,
  closeServer: () => app.close(),
  exit: (code) => process.exit(code),
});
installProcessHandlers(shutdown, lifecycle, logger);
watchdog.start();

try {
  await app.listen({ port: config.port, host: config.host });
  lifecycle.markStarted();
  if (lifecycle.phase === 'started') logger.info({ port: config.port, nodeEnv: config.nodeEnv }, 'started');
} catch (error) {
  logger.fatal({ err: error }, 'start-up failed');
  await shutdown('start-up failed', 1);
}
