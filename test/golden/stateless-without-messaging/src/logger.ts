/** JSON logs on stdout, one object per line, written synchronously; nothing is ever written to files. */
import { pino, type Logger, type LoggerOptions } from 'pino';
import { SERVICE_NAME, type Config } from './config.ts';
import { serializeError } from './error-serializer.ts';
import { traceLogFields } from './telemetry/log-fields.ts';

export type { Logger } from 'pino';

/**
 * pino's isoTime field, formatted once per millisecond: under load many lines share one, and
 * Date#toISOString for every line cost about 1 µs of each request's CPU.
 */
function isoTimeOncePerMillisecond(): () => string {
  let formattedAt = Number.NaN;
  let field = '';
  return () => {
    const now = Date.now();
    if (now !== formattedAt) {
      formattedAt = now;
      field = `,"time":"${new Date(now).toISOString()}"`;
    }
    return field;
  };
}

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  const options: LoggerOptions = {
    level: config.logLevel,
    base: { service: SERVICE_NAME, pid: process.pid },
    timestamp: isoTimeOncePerMillisecond(),
    formatters: { level: (label) => ({ level: label }) },
    // trace_id and span_id of the active span, when tracing is on.
    mixin: traceLogFields,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    // Only what identifies an error: never the properties a client library attached (a Redis
    // AUTH command with its password), never a password inside a URL (src/error-serializer.ts).
    serializers: { err: serializeError },
  };
  // Written synchronously, as Node itself writes stdout when it is a file or a pipe: a line is
  // out before the next statement runs, so a crash or an OOM kill loses none, and no line costs
  // a thread-pool round trip (pino's default; about 6 % of a cached read's CPU).
  return pino(options, pino.destination({ fd: 1, sync: true }));
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

/**
 * A child logger made on first use (a line at an enabled level). pino serialises a child's fields
 * when the child is made, so a child per message cost CPU on every message even though most
 * messages log nothing at the configured level.
 */
export function lazyChild(logger: Logger, fields: () => Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const made = (): Logger => (child ??= logger.child(fields()));
  return new Proxy(logger, {
    get: (_, property) => {
      // A disabled level is pino's no-op on the parent as on the child.
      if (child === undefined && typeof property === 'string' && LEVELS.has(property) && !logger.isLevelEnabled(property)) {
        return Reflect.get(logger, property);
      }
      const value: unknown = Reflect.get(made(), property);
      return typeof value === 'function' ? value.bind(made()) : value;
    },
  });
}

/**
 * The one warning for a dependency that cannot be reached: which, where (the URL without its
 * credentials), why (the error's message, not its stack: the stack says nothing the message
 * does not, and a retry loop would print it every time) and what starts one locally.
 */
export function unreachableWarning(what: string, url: string, error: unknown, composeService: string): [Record<string, unknown>, string] {
  let where = url;
  try {
    const parsed = new URL(url.split(',')[0]!);
    parsed.username = '';
    parsed.password = '';
    where = parsed.toString().replace(/\/$/, '');
  } catch {
    where = '(an invalid URL)';
  }
  const reason = error instanceof Error ? error.message || error.name : String(error);
  return [{ url: where, reason }, `${what} is not reachable at ${where} (${reason}); start it (locally: docker compose up -d ${composeService}) or set the URL`];
}
