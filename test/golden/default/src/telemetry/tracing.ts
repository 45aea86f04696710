/**
 * Tracing, configured only by the standard OpenTelemetry variables. The SDK is loaded only when
 * spans have somewhere to go (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
 * and OTEL_SDK_DISABLED is not true; otherwise the @opentelemetry/api calls in the service are
 * no-ops, and start-up and throughput stay as they are without tracing.
 */
import type { Logger } from '../logger.ts';

export interface Tracing {
  readonly enabled: boolean;
  /** Exports the spans still buffered, then stops; call last in shutdown. */
  shutdown(): Promise<void>;
  /** Where the SDK's own warnings go (spans it could not export): silent until called. */
  reportProblemsTo(logger: Pick<Logger, 'warn'>): void;
}

/** A standard OTEL_* variable with a value the service cannot use: start-up fails with this. */
export class TracingConfigError extends Error {
  override name = 'TracingConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

export function tracingEnabled(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',').map((name) => name.trim().toLowerCase());
  if (exporters.includes('none')) return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

const DISABLED: Tracing = { enabled: false, shutdown: async () => undefined, reportProblemsTo: () => undefined };

export async function startTracing(env: Env): Promise<Tracing> {
  if (!tracingEnabled(env)) return DISABLED;
  // A chunk of its own in the bundle: loaded only here.
  const { startTracingSdk } = await import('./sdk.ts');
  return startTracingSdk(env);
}

/** Loads the SDK's chunk without starting it: the image's compile cache then holds it too. */
export async function loadTracingSdk(): Promise<void> {
  await import('./sdk.ts');
}
