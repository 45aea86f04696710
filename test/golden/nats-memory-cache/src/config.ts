/**
 * Configuration: environment variables, optionally layered over a JSON or YAML file named by
 * CONFIG_FILE (the environment wins). Everything is validated against one schema at start-up;
 * a problem is reported as a single ConfigError line naming the setting, never its value.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { parse as parseYaml } from 'yaml';

export const SERVICE_NAME = 'orders';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const NODE_ENVS = ['production', 'development', 'test'] as const;

const milliseconds = (defaultValue: number, minimum: number, maximum: number) =>
  Type.Integer({
    default: defaultValue,
    minimum,
    maximum,
    errorMessage: `must be an integer number of milliseconds between ${minimum} and ${maximum}`,
  });

const brokerName = (defaultValue: string) =>
  Type.String({
    default: defaultValue,
    pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9_-]+)*$',
    maxLength: 200,
    errorMessage: 'must be dot-separated words of letters, digits, - and _ (at most 200 characters)',
  });

export const ConfigSchema = Type.Object(
  {
    PORT: Type.Integer({ default: 8080, minimum: 0, maximum: 65535, errorMessage: 'must be an integer port between 0 and 65535' }),
    HOST: Type.String({ default: '0.0.0.0', minLength: 1, errorMessage: 'must be a non-empty host name or address' }),
    LOG_LEVEL: Type.Union(
      LOG_LEVELS.map((level) => Type.Literal(level)),
      { default: 'info', errorMessage: `must be one of ${LOG_LEVELS.join(', ')}` },
    ),
    NODE_ENV: Type.Union(
      NODE_ENVS.map((env) => Type.Literal(env)),
      { default: 'production', errorMessage: `must be one of ${NODE_ENVS.join(', ')}` },
    ),
    /** Hard deadline for a graceful shutdown; past it the process exits with code 1. */
    SHUTDOWN_TIMEOUT_MS: milliseconds(8000, 100, 120_000),
    /** Time between failing readiness and closing the listener, so load balancers stop routing here. */
    SHUTDOWN_DRAIN_MS: milliseconds(1000, 0, 60_000),
    /** Event-loop delay above which /livez reports the process as stalled. */
    EVENT_LOOP_STALL_MS: milliseconds(1000, 10, 60_000),
    /** Time each dependency check of /readyz may take before it counts as failed. */
    READINESS_CHECK_TIMEOUT_MS: milliseconds(1000, 10, 30_000),
    /** Required in production only (REQUIRED_IN_PRODUCTION); unset elsewhere, an embedded PostgreSQL stands in. */
    DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', errorMessage: 'must be a postgres:// or postgresql:// URL' })),
    DATABASE_POOL_MAX: Type.Integer({ default: 10, minimum: 1, maximum: 200, errorMessage: 'must be an integer between 1 and 200' }),
    DATABASE_STATEMENT_TIMEOUT_MS: milliseconds(5000, 10, 600_000),
    DATABASE_CONNECT_TIMEOUT_MS: milliseconds(5000, 10, 120_000),
    /** Apply pending migrations at start-up; set false when a Kubernetes Job runs `npm run migrate`. */
    DATABASE_MIGRATE_ON_START: Type.Boolean({ default: true, errorMessage: 'must be true or false' }),
    /** Bearer token of the admin API (/admin/...); unset, the admin API refuses every request. */
    ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 32, maxLength: 512, errorMessage: 'must be 32 to 512 characters' })),
    /** Longest a dynamic setting changed in the database takes to reach this replica. */
    DYNAMIC_SETTINGS_REFRESH_MS: milliseconds(5000, 50, 600_000),
    /** Deleted orders stay as tombstones this long, then are purged for good. */
    TOMBSTONE_RETENTION_HOURS: Type.Integer({ default: 168, minimum: 0, maximum: 87_600, errorMessage: 'must be an integer number of hours between 0 and 87600' }),
    /** How often each replica looks for tombstones to purge (with jitter). */
    TOMBSTONE_PURGE_INTERVAL_MS: milliseconds(600_000, 100, 86_400_000),
    /** Upper bound on staleness when an invalidation is lost: entries live between TTL × (1 − jitter) and TTL. */
    CACHE_TTL_MS: milliseconds(30_000, 100, 86_400_000),
    CACHE_TTL_JITTER_PERCENT: Type.Integer({ default: 10, minimum: 0, maximum: 50, errorMessage: 'must be an integer between 0 and 50' }),
    /** Entries one replica keeps in memory. */
    CACHE_MAX_ENTRIES: Type.Integer({ default: 10_000, minimum: 1, maximum: 10_000_000, errorMessage: 'must be an integer between 1 and 10000000' }),
    /** Build the cache in the background after start-up, and rebuild it every CACHE_WARM_INTERVAL_MS. */
    CACHE_WARM_ON_START: Type.Boolean({ default: false, errorMessage: 'must be true or false' }),
    CACHE_WARM_INTERVAL_MS: milliseconds(300_000, 1000, 86_400_000),
    NATS_URL: Type.String({ pattern: '^(nats|tls|ws|wss)://', errorMessage: 'must be a nats://, tls://, ws:// or wss:// URL' }),
    /** Names on the broker; the defaults derive from the service and resource names. */
    MESSAGING_COMMANDS: brokerName('orders.order.commands'),
    MESSAGING_EVENTS: brokerName('orders.events'),
    MESSAGING_DEAD_LETTER: brokerName('orders.order.commands.dead-letter'),
    /** Commands handed to this replica and not yet settled, at most (prefetch / max ack pending). */
    MESSAGING_MAX_IN_FLIGHT: Type.Integer({ default: 16, minimum: 1, maximum: 1000, errorMessage: 'must be an integer between 1 and 1000' }),
    /** Deliveries of one command, at most; then it goes to the dead-letter queue. */
    MESSAGING_MAX_DELIVERIES: Type.Integer({ default: 5, minimum: 1, maximum: 100, errorMessage: 'must be an integer between 1 and 100' }),
    /** First retry delay of a failed command; doubles per delivery, up to MESSAGING_RETRY_MAX_MS. */
    MESSAGING_RETRY_BASE_MS: milliseconds(200, 1, 60_000),
    MESSAGING_RETRY_MAX_MS: milliseconds(10_000, 1, 600_000),
    /** /livez fails when commands wait and in-flight ones have not settled for this long. */
    MESSAGING_STALL_MS: milliseconds(60_000, 1000, 3_600_000),
    /** How often the outbox relay looks for events when nothing woke it. */
    OUTBOX_POLL_MS: milliseconds(500, 10, 60_000),
    OUTBOX_BATCH_SIZE: Type.Integer({ default: 100, minimum: 1, maximum: 1000, errorMessage: 'must be an integer between 1 and 1000' }),
  },
  { additionalProperties: false },
);

type Settings = Static<typeof ConfigSchema>;

/** Settings without a default that production cannot run without, while development and test can. */
const REQUIRED_IN_PRODUCTION = new Set<string>(['DATABASE_URL']);

export interface Config {
  port: number;
  host: string;
  logLevel: Settings['LOG_LEVEL'];
  nodeEnv: Settings['NODE_ENV'];
  shutdownTimeoutMs: number;
  shutdownDrainMs: number;
  eventLoopStallMs: number;
  readinessCheckTimeoutMs: number;
  database: {
    /** Contains credentials: never log it. Unset outside production: an embedded database (src/db/database.ts). */
    url: string | undefined;
    poolMax: number;
    statementTimeoutMs: number;
    connectTimeoutMs: number;
    migrateOnStart: boolean;
  };
  /** Bearer token of /admin; undefined turns the admin API off. A secret: never log it. */
  adminToken: string | undefined;
  dynamicSettingsRefreshMs: number;
  tombstones: { retentionHours: number; purgeIntervalMs: number };
  cache: {
    ttlMs: number;
    ttlJitterPercent: number;
    maxEntries: number;
    warmOnStart: boolean;
    warmIntervalMs: number;
  };
  messaging: {
    /** NATS_URL; contains credentials: never log it. */
    url: string;
    /** Consumed: a subject captured by a stream. */
    commands: string;
    /** Published: subjects under this prefix. */
    events: string;
    deadLetter: string;
    maxInFlight: number;
    maxDeliveries: number;
    retryBaseMs: number;
    retryMaxMs: number;
    stallMs: number;
    outboxPollMs: number;
    outboxBatchSize: number;
  };
}

/** A configuration problem, phrased as one line for the operator. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Source = 'environment' | 'file';
const SETTING_NAMES = Object.keys(ConfigSchema.properties) as Array<keyof Settings>;

/** Builds the configuration from `env` (and the file it names in CONFIG_FILE); throws ConfigError. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const configFile = nonEmpty(env['CONFIG_FILE']);
  const fromFile = configFile === undefined ? {} : readConfigFile(configFile);
  const sources = new Map<string, Source>();
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fromFile)) {
    raw[key] = value;
    sources.set(key, 'file');
  }
  for (const key of SETTING_NAMES) {
    const value = nonEmpty(env[key]);
    if (value === undefined) continue;
    raw[key] = value;
    sources.set(key, 'environment');
  }

  const describe = (key: string): string => (sources.get(key) === 'file' ? `${key} (from CONFIG_FILE ${configFile})` : key);

  const unknown = Object.keys(raw).filter((key) => !(key in ConfigSchema.properties));
  if (unknown.length > 0) {
    throw new ConfigError(`CONFIG_FILE ${configFile}: unknown setting ${unknown.map((key) => JSON.stringify(key)).join(', ')}`);
  }

  const settings = Value.Default(ConfigSchema, coerce(raw)) as Record<string, unknown>;
  for (const key of SETTING_NAMES) {
    const schema: TSchema & { errorMessage?: string } = ConfigSchema.properties[key];
    if (settings[key] === undefined) {
      if (REQUIRED_IN_PRODUCTION.has(key)) {
        if (settings['NODE_ENV'] !== 'production') continue;
        throw new ConfigError(`${key} is required when NODE_ENV=production (development and test run without it)`);
      }
      if (Type.IsOptional(schema)) continue;
      throw new ConfigError(`${key} is required: it ${schema.errorMessage ?? 'has no default'}`);
    }
    if (!Value.Check(schema, settings[key])) throw new ConfigError(`${describe(key)} ${schema.errorMessage ?? 'is invalid'}`);
  }
  const valid = settings as Settings;

  if (valid.SHUTDOWN_DRAIN_MS >= valid.SHUTDOWN_TIMEOUT_MS) {
    throw new ConfigError(`${describe('SHUTDOWN_DRAIN_MS')} must be smaller than SHUTDOWN_TIMEOUT_MS (${valid.SHUTDOWN_TIMEOUT_MS})`);
  }
  if (valid.DATABASE_URL !== undefined) assertPostgresUrl(valid.DATABASE_URL, describe('DATABASE_URL'));
  assertBrokerUrl(valid.NATS_URL, describe('NATS_URL'));
  if (valid.MESSAGING_RETRY_BASE_MS > valid.MESSAGING_RETRY_MAX_MS) {
    throw new ConfigError(`${describe('MESSAGING_RETRY_BASE_MS')} must not exceed MESSAGING_RETRY_MAX_MS (${valid.MESSAGING_RETRY_MAX_MS})`);
  }

  return {
    port: valid.PORT,
    host: valid.HOST,
    logLevel: valid.LOG_LEVEL,
    nodeEnv: valid.NODE_ENV,
    shutdownTimeoutMs: valid.SHUTDOWN_TIMEOUT_MS,
    shutdownDrainMs: valid.SHUTDOWN_DRAIN_MS,
    eventLoopStallMs: valid.EVENT_LOOP_STALL_MS,
    readinessCheckTimeoutMs: valid.READINESS_CHECK_TIMEOUT_MS,
    database: {
      url: valid.DATABASE_URL,
      poolMax: valid.DATABASE_POOL_MAX,
      statementTimeoutMs: valid.DATABASE_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: valid.DATABASE_CONNECT_TIMEOUT_MS,
      migrateOnStart: valid.DATABASE_MIGRATE_ON_START,
    },
    adminToken: valid.ADMIN_TOKEN,
    dynamicSettingsRefreshMs: valid.DYNAMIC_SETTINGS_REFRESH_MS,
    tombstones: { retentionHours: valid.TOMBSTONE_RETENTION_HOURS, purgeIntervalMs: valid.TOMBSTONE_PURGE_INTERVAL_MS },
    cache: {
      ttlMs: valid.CACHE_TTL_MS,
      ttlJitterPercent: valid.CACHE_TTL_JITTER_PERCENT,
      maxEntries: valid.CACHE_MAX_ENTRIES,
      warmOnStart: valid.CACHE_WARM_ON_START,
      warmIntervalMs: valid.CACHE_WARM_INTERVAL_MS,
    },
    messaging: {
      url: valid.NATS_URL,
      commands: valid.MESSAGING_COMMANDS,
      events: valid.MESSAGING_EVENTS,
      deadLetter: valid.MESSAGING_DEAD_LETTER,
      maxInFlight: valid.MESSAGING_MAX_IN_FLIGHT,
      maxDeliveries: valid.MESSAGING_MAX_DELIVERIES,
      retryBaseMs: valid.MESSAGING_RETRY_BASE_MS,
      retryMaxMs: valid.MESSAGING_RETRY_MAX_MS,
      stallMs: valid.MESSAGING_STALL_MS,
      outboxPollMs: valid.OUTBOX_POLL_MS,
      outboxBatchSize: valid.OUTBOX_BATCH_SIZE,
    },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * Where a config file fails to parse, without its content: V8's JSON errors quote the text
 * around the error (`"{"password": sec"... is not valid JSON`), which may be a secret.
 */
function parseErrorReason(error: unknown): string {
  if (!(error instanceof Error)) return 'parse error';
  if (error instanceof SyntaxError) {
    const where = /at position \d+(?: \(line \d+ column \d+\))?/.exec(error.message)?.[0];
    return where ? `syntax error ${where}` : 'syntax error';
  }
  // YAML: the first line says what and where; the lines after it quote the file.
  return error.message.split('\n')[0] ?? 'parse error';
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`CONFIG_FILE ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}`);
  }
  let parsed: unknown;
  try {
    parsed = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const reason = parseErrorReason(error);
    throw new ConfigError(`CONFIG_FILE ${file} is not valid ${extname(file).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${reason}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`CONFIG_FILE ${file} must contain a mapping of setting names to values`);
  }
  return parsed as Record<string, unknown>;
}

/** Strict string-to-type conversion for environment values; anything else is left for the schema to reject. */
function coerce(raw: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const schema = ConfigSchema.properties[key as keyof Settings] as { type?: string };
    if (typeof value === 'string' && schema.type === 'integer' && /^-?\d{1,15}$/.test(value)) {
      result[key] = Number(value);
    } else if (typeof value === 'string' && schema.type === 'boolean' && /^(true|false|1|0)$/i.test(value)) {
      result[key] = /^(true|1)$/i.test(value);
    } else {
      result[key] = value;
    }
  }
  return result;
}

function assertPostgresUrl(value: string, name: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be a postgres:// or postgresql:// URL`);
  }
  if (url.hostname === '' && !url.searchParams.has('host')) {
    throw new ConfigError(`${name} must name a database host`);
  }
}

function assertBrokerUrl(value: string, name: string): void {
  for (const server of value.split(',')) {
    let url: URL;
    try {
      url = new URL(server.trim());
    } catch {
      throw new ConfigError(`${name} must be a URL`);
    }
    if (url.hostname === '') throw new ConfigError(`${name} must name a broker host`);
  }
}
