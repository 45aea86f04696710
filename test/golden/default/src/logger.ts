/** JSON logs on stdout, one object per line; nothing is ever written to files. */
import { pino, type Logger } from 'pino';
import { SERVICE_NAME, type Config } from './config.ts';

export type { Logger } from 'pino';

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: SERVICE_NAME, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
  });
}
