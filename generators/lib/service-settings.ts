/**
 * The generated service's settings, declared once as data: the README's configuration table is
 * rendered from here, and test/unit/docs-drift.test.ts checks, for every combination, that these
 * are exactly the keys of the rendered `src/config.ts` schema (same defaults, same required ones)
 * and that the secret ones are exactly those the Deployment reads from a Secret. A setting added
 * to `templates/base/src/config.ts.hbs` needs its row here, or that test fails.
 */
import type { TemplateContext } from './template-context.js';

export interface ServiceSetting {
  /** The environment variable (and CONFIG_FILE key). */
  name: string;
  /** The default as the schema declares it, or null when the setting has none (then it is required). */
  defaultValue: string | null;
  /** Said after the default in the README, e.g. where a deployment overrides it. */
  defaultNote: string;
  required: boolean;
  /** Required when NODE_ENV=production only; development and test have a stand-in (the embedded database). */
  requiredInProductionOnly: boolean;
  /** Holds credentials: comes from a Secret, is never logged or committed. */
  secret: boolean;
  description: string;
  /** The component whose choice brings the setting in. */
  component: 'base' | 'storage' | 'cache' | 'messaging';
}

/** The context the settings are derived from: everything but the documentation fields themselves. */
export type SettingsContext = Omit<TemplateContext, 'settingsTable' | 'quickStartCommands' | 'localEnvironment' | 'localEnvironmentFile' | 'backingServices' | 'deploymentEnv' | 'userOwnedPaths'>;

/** `optional`: no default, and the service runs without it. Without a default and not optional, a setting is required. */
type Declared = Omit<ServiceSetting, 'required' | 'requiredInProductionOnly' | 'defaultNote'> & { defaultNote?: string; optional?: true; productionOnly?: true };

const setting = ({ optional, productionOnly, ...declared }: Declared): ServiceSetting => ({
  defaultNote: '',
  ...declared,
  required: declared.defaultValue === null && optional !== true,
  requiredInProductionOnly: productionOnly === true,
});

export function serviceSettingsFor(context: SettingsContext): ServiceSetting[] {
  const settings: ServiceSetting[] = [
    setting({ name: 'PORT', defaultValue: String(context.port), secret: false, description: 'HTTP port', component: 'base' }),
    setting({ name: 'HOST', defaultValue: '0.0.0.0', secret: false, description: 'Address to listen on', component: 'base' }),
    setting({ name: 'LOG_LEVEL', defaultValue: 'info', secret: false, description: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`', component: 'base' }),
    setting({ name: 'NODE_ENV', defaultValue: 'production', secret: false, description: '`production`, `development` or `test`', component: 'base' }),
    setting({
      name: 'SHUTDOWN_TIMEOUT_MS',
      defaultValue: '8000',
      defaultNote: ' (`10000` in `k8s/`)',
      secret: false,
      description: 'Hard deadline for a graceful shutdown; past it the process exits with code 1',
      component: 'base',
    }),
    setting({ name: 'SHUTDOWN_DRAIN_MS', defaultValue: '1000', secret: false, description: 'Time between failing readiness and closing the listener', component: 'base' }),
    setting({ name: 'EVENT_LOOP_STALL_MS', defaultValue: '1000', secret: false, description: 'Event-loop delay above which `/livez` reports the process as stalled', component: 'base' }),
    setting({ name: 'READINESS_CHECK_TIMEOUT_MS', defaultValue: '1000', secret: false, description: 'Time each dependency check of `/readyz` may take', component: 'base' }),
    // Read by the loader itself, outside the schema: it names the file the other settings may come from.
    setting({
      name: 'CONFIG_FILE',
      defaultValue: null,
      defaultNote: 'unset',
      optional: true,
      secret: false,
      description: 'JSON or YAML file with any of these settings (the environment wins)',
      component: 'base',
    }),
    ...tracingSettings(),
  ];
  if (context.storagePostgres) {
    settings.push(
      setting({
        name: 'DATABASE_URL',
        defaultValue: null,
        defaultNote: 'embedded PostgreSQL outside production',
        productionOnly: true,
        secret: true,
        description: '`postgres://` URL; from a Secret, never committed. Unset in development and test: an embedded PostgreSQL (PGlite)',
        component: 'storage',
      }),
      setting({ name: 'DATABASE_POOL_MAX', defaultValue: '10', secret: false, description: 'Most connections one replica opens', component: 'storage' }),
      setting({ name: 'DATABASE_STATEMENT_TIMEOUT_MS', defaultValue: '5000', secret: false, description: 'Longest a single SQL statement may run', component: 'storage' }),
      setting({ name: 'DATABASE_CONNECT_TIMEOUT_MS', defaultValue: '5000', secret: false, description: 'Longest a new connection may take', component: 'storage' }),
      setting({
        name: 'DATABASE_MIGRATE_ON_START',
        defaultValue: 'true',
        secret: false,
        description: `Apply pending migrations at start; set \`false\` when a Job runs \`${context.manager.run} migrate\``,
        component: 'storage',
      }),
      setting({
        name: 'ADMIN_TOKEN',
        defaultValue: null,
        defaultNote: 'unset: admin API off',
        optional: true,
        secret: true,
        description: 'Bearer token for `/admin/settings` (32 characters or more); from a Secret',
        component: 'storage',
      }),
      setting({
        name: 'DYNAMIC_SETTINGS_REFRESH_MS',
        defaultValue: '5000',
        secret: false,
        description: 'How often each replica re-reads the dynamic settings: the longest a change takes to apply everywhere',
        component: 'storage',
      }),
      setting({
        name: 'TOMBSTONE_RETENTION_HOURS',
        defaultValue: '168',
        secret: false,
        description: `How long a deleted ${context.resource} is kept as a tombstone before it is purged for good`,
        component: 'storage',
      }),
      setting({ name: 'TOMBSTONE_PURGE_INTERVAL_MS', defaultValue: '600000', secret: false, description: 'How often each replica purges expired tombstones (±20 % jitter)', component: 'storage' }),
    );
  }
  if (context.cacheRedis) {
    settings.push(setting({ name: 'REDIS_URL', defaultValue: null, secret: true, description: '`redis://` or `rediss://` URL of the cache; from a Secret', component: 'cache' }));
  }
  if (context.cacheAny) {
    settings.push(
      setting({ name: 'CACHE_TTL_MS', defaultValue: '30000', secret: false, description: 'Longest a cached read may be stale when an invalidation is lost', component: 'cache' }),
      setting({ name: 'CACHE_TTL_JITTER_PERCENT', defaultValue: '10', secret: false, description: 'Entries expire up to this much earlier than the TTL, at random', component: 'cache' }),
      setting({
        name: 'CACHE_MAX_ENTRIES',
        defaultValue: '10000',
        secret: false,
        description: context.cacheRedis ? 'Most rows the background build puts in Redis' : 'Most entries one replica keeps in memory (least recently used go first)',
        component: 'cache',
      }),
      setting({ name: 'CACHE_WARM_ON_START', defaultValue: 'false', secret: false, description: 'Build the cache in the background after start-up (readiness does not wait)', component: 'cache' }),
      setting({ name: 'CACHE_WARM_INTERVAL_MS', defaultValue: '300000', secret: false, description: 'Rebuild interval of the background build (with jitter)', component: 'cache' }),
    );
  }
  if (context.messagingAny) {
    const rabbit = context.brokerRabbitmq;
    settings.push(
      setting({
        name: context.brokerUrlSetting,
        defaultValue: null,
        secret: true,
        description: `${rabbit ? '`amqp://` or `amqps://` URL of RabbitMQ' : '`nats://` URL(s) of NATS with JetStream, comma-separated'}; from a Secret`,
        component: 'messaging',
      }),
      setting({ name: 'MESSAGING_COMMANDS', defaultValue: context.commandsQueue, secret: false, description: `${rabbit ? 'Quorum queue' : 'Subject'} the commands are consumed from`, component: 'messaging' }),
      setting({ name: 'MESSAGING_EVENTS', defaultValue: context.eventsExchange, secret: false, description: `${rabbit ? 'Topic exchange' : 'Subject prefix'} the events are published to`, component: 'messaging' }),
      setting({ name: 'MESSAGING_DEAD_LETTER', defaultValue: context.deadLetterQueue, secret: false, description: 'Where commands go that cannot be applied', component: 'messaging' }),
      setting({
        name: 'MESSAGING_MAX_IN_FLIGHT',
        defaultValue: '16',
        secret: false,
        description: `Commands one replica works on at once (${rabbit ? 'prefetch' : 'max ack pending'})`,
        component: 'messaging',
      }),
      setting({ name: 'MESSAGING_MAX_DELIVERIES', defaultValue: '5', secret: false, description: 'Deliveries of a failing command before it is dead-lettered', component: 'messaging' }),
      setting({ name: 'MESSAGING_RETRY_BASE_MS', defaultValue: '200', secret: false, description: 'First retry delay; doubles per delivery, with jitter', component: 'messaging' }),
      setting({ name: 'MESSAGING_RETRY_MAX_MS', defaultValue: '10000', secret: false, description: 'Longest retry delay', component: 'messaging' }),
      setting({ name: 'MESSAGING_STALL_MS', defaultValue: '60000', secret: false, description: '`/livez` fails when commands wait and none in flight has settled for this long', component: 'messaging' }),
    );
  }
  if (context.messagingOutbox) {
    settings.push(
      setting({ name: 'OUTBOX_POLL_MS', defaultValue: '500', secret: false, description: 'How often the outbox relay looks for unpublished events', component: 'messaging' }),
      setting({ name: 'OUTBOX_BATCH_SIZE', defaultValue: '100', secret: false, description: 'Events the relay publishes per transaction', component: 'messaging' }),
    );
  }
  return settings;
}

/**
 * The standard OpenTelemetry variables src/telemetry/ reads itself (the exporters also read
 * OTEL_EXPORTER_OTLP_HEADERS and the like, and OTEL_RESOURCE_ATTRIBUTES applies, as specified).
 * Read outside the config schema: they configure the SDK, not the service.
 */
function tracingSettings(): ServiceSetting[] {
  const otel = (name: string, defaultValue: string | null, description: string, defaultNote = 'unset'): ServiceSetting =>
    setting({ name, defaultValue, ...(defaultValue === null ? { defaultNote, optional: true as const } : {}), secret: false, description, component: 'base' });
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

/** One README table row per setting. */
export function settingsTableRows(settings: readonly ServiceSetting[]): string[] {
  const yesNo = (value: boolean): string => (value ? '**yes**' : 'no');
  return settings.map((entry) => {
    const defaultCell = entry.defaultValue === null ? (entry.defaultNote || 'none') : `\`${entry.defaultValue}\`${entry.defaultNote}`;
    const requiredCell = entry.required && entry.requiredInProductionOnly ? '**in production**' : yesNo(entry.required);
    return `| \`${entry.name}\` | ${defaultCell} | ${requiredCell} | ${yesNo(entry.secret)} | ${entry.description} |`;
  });
}
