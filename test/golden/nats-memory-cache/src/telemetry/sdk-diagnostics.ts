/**
 * What the OpenTelemetry SDK says when spans are lost (a collector that does not answer, an export
 * that times out, a queue that overflows under load) goes through its diag channel, which is
 * silent until a logger is set. Its warnings and errors go to the service's log instead, each kind
 * at most once per interval with how many were suppressed: a collector down for an hour shows up
 * as a line a minute, not one per batch. Counts in a message do not make it a new kind.
 */
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import type { Logger } from '../logger.ts';
import { rateLimitedLog } from '../rate-limited-log.ts';

export const SDK_PROBLEM_MESSAGE = 'the tracing SDK reports a problem: spans may be lost';
const INTERVAL_MS = 60_000;

interface Detail {
  text: string;
  code?: string;
}

function detailOf(value: unknown): Detail {
  const code = (candidate: unknown) => (typeof candidate === 'string' ? { code: candidate } : {});
  if (value instanceof Error) return { text: value.message, ...code((value as { code?: unknown }).code) };
  if (typeof value !== 'string') return { text: JSON.stringify(value) };
  // The SDK's error handler hands an error over as its JSON text.
  if (value.startsWith('{')) {
    try {
      const parsed = JSON.parse(value) as { message?: unknown; code?: unknown };
      if (typeof parsed.message === 'string') return { text: parsed.message, ...code(parsed.code) };
    } catch {
      // Not JSON after all: the text as it is.
    }
  }
  return { text: value };
}

export function sdkDiagnostics(logger: Pick<Logger, 'warn'>, intervalMs = INTERVAL_MS, now: () => number = Date.now): DiagLogger {
  const warn = rateLimitedLog(logger, intervalMs, now);
  const report = (message: string, ...args: unknown[]): void => {
    const details = [message, ...args].map(detailOf);
    const text = details.map((detail) => detail.text).join(' ');
    const code = details.find((detail) => detail.code !== undefined)?.code;
    const error = Object.assign(new Error(text), code === undefined ? {} : { code });
    // Where in the SDK it was noticed says nothing to an operator; the text says what.
    error.stack = '';
    warn(error, SDK_PROBLEM_MESSAGE, text.replace(/\d+/g, 'N'));
  };
  const ignore = (): void => undefined;
  return { error: report, warn: report, info: ignore, debug: ignore, verbose: ignore };
}

/** From now on the SDK's warnings and errors go to `logger`. */
export function logSdkProblems(logger: Pick<Logger, 'warn'>): void {
  diag.setLogger(sdkDiagnostics(logger), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}
