/** JSON logs on stdout, one object per line; nothing is ever written to files. */
import { pino, type Logger } from 'pino';
import { SERVICE_NAME, type Config } from './config.ts';
import { serializeError } from './error-serializer.ts';

export type { Logger } from 'pino';

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: SERVICE_NAME, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    // Only what identifies an error: never the properties a client library attached (a Redis
    // AUTH command with its password), never a password inside a URL (src/error-serializer.ts).
    serializers: { err: serializeError },
  });
}
