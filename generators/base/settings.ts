import { setting, type ServiceSetting, type SettingsContext } from '../lib/service-settings.js';

/** The skeleton's settings: listening, logging, shutdown and probes, the config file, tracing. */
export function baseSettings(context: SettingsContext): ServiceSetting[] {
  return [
    setting({ name: 'PORT', schema: { type: 'port', default: context.port }, secret: false, description: 'HTTP port' }),
    setting({
      name: 'HOST',
      schema: { type: 'string', default: '0.0.0.0', minLength: 1, errorMessage: 'must be a non-empty host name or address' },
      secret: false,
      description: 'Address to listen on',
    }),
    setting({
      name: 'LOG_LEVEL',
      schema: { type: 'oneOf', default: 'info', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], list: 'LOG_LEVELS', item: 'level' },
      secret: false,
      description: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`',
    }),
    setting({
      name: 'NODE_ENV',
      schema: { type: 'oneOf', default: 'production', values: ['production', 'development', 'test'], list: 'NODE_ENVS', item: 'env' },
      secret: false,
      description: '`production`, `development` or `test`',
    }),
    setting({
      name: 'SHUTDOWN_TIMEOUT_MS',
      schema: { type: 'milliseconds', default: 8000, minimum: 100, maximum: 120_000 },
      schemaComment: 'Hard deadline for a graceful shutdown; past it the process exits with code 1.',
      defaultNote: ' (`10000` in `k8s/`)',
      secret: false,
      description: 'Hard deadline for a graceful shutdown; past it the process exits with code 1',
    }),
    setting({
      name: 'SHUTDOWN_DRAIN_MS',
      schema: { type: 'milliseconds', default: 1000, minimum: 0, maximum: 60_000 },
      schemaComment: 'Time between failing readiness and closing the listener, so load balancers stop routing here.',
      secret: false,
      description: 'Time between failing readiness and closing the listener',
    }),
    setting({
      name: 'EVENT_LOOP_STALL_MS',
      schema: { type: 'milliseconds', default: 1000, minimum: 10, maximum: 60_000 },
      schemaComment: 'Event-loop delay above which /livez reports the process as stalled.',
      secret: false,
      description: 'Event-loop delay above which `/livez` reports the process as stalled',
    }),
    setting({
      name: 'READINESS_CHECK_TIMEOUT_MS',
      schema: { type: 'milliseconds', default: 1000, minimum: 10, maximum: 30_000 },
      schemaComment: 'Time each dependency check of /readyz may take before it counts as failed.',
      secret: false,
      description: 'Time each dependency check of `/readyz` may take',
    }),
    // Read by the loader itself, outside the schema: it names the file the other settings may come from.
    setting({
      name: 'CONFIG_FILE',
      defaultValue: null,
      defaultNote: 'unset',
      optional: true,
      secret: false,
      description: 'JSON or YAML file with any of these settings (the environment wins)',
    }),
    ...tracingSettings(),
  ];
}

/**
 * The standard OpenTelemetry variables src/telemetry/ reads itself (the exporters also read
 * OTEL_EXPORTER_OTLP_HEADERS and the like, and OTEL_RESOURCE_ATTRIBUTES applies, as specified).
 * Read outside the config schema: they configure the SDK, not the service.
 */
function tracingSettings(): ServiceSetting[] {
  const otel = (name: string, defaultValue: string | null, description: string, defaultNote = 'unset'): ServiceSetting =>
    setting({ name, defaultValue, ...(defaultValue === null ? { defaultNote, optional: true as const } : {}), secret: false, description });
  return [
    otel('OTEL_EXPORTER_OTLP_ENDPOINT', null, 'OTLP/HTTP collector base URL (`/v1/traces` is appended); setting it turns tracing on', 'unset: tracing off'),
    otel('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', null, 'Full URL for traces only; wins over `OTEL_EXPORTER_OTLP_ENDPOINT`'),
    otel('OTEL_EXPORTER_OTLP_PROTOCOL', 'http/protobuf', '`http/protobuf` or `http/json`'),
    otel('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', null, 'The same, for traces only'),
    otel('OTEL_SERVICE_NAME', null, 'Service name on the spans', 'the service name'),
    otel('OTEL_SDK_DISABLED', 'false', '`true` turns tracing off whatever else is set'),
    otel('OTEL_TRACES_EXPORTER', 'otlp', '`none` turns tracing off'),
    otel('OTEL_TRACES_SAMPLER', 'parentbased_always_on', '`always_on`, `always_off`, `traceidratio` or their `parentbased_` forms (which follow the caller\'s decision)'),
    otel('OTEL_TRACES_SAMPLER_ARG', null, 'Sampling ratio, 0 to 1, of the `traceidratio` samplers', 'unset: `1`'),
    otel('OTEL_BSP_SCHEDULE_DELAY', '5000', 'Milliseconds between span exports'),
    otel('OTEL_BSP_EXPORT_TIMEOUT', '30000', 'Longest an export may take, in milliseconds'),
    otel('OTEL_BSP_MAX_QUEUE_SIZE', '2048', 'Spans buffered at most; more are dropped rather than slow the service'),
    otel('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', '512', 'Spans per export request'),
  ];
}
