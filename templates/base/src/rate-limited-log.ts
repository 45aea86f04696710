/**
 * A warning that an outage repeats many times a second (every pooled connection, every request)
 * logged at most once per interval per message and error code, with how many were suppressed:
 * the paged engineer sees the outage begin and how often it recurs, not a thousand stacks.
 */
import type { Logger } from './logger.ts';

/** `kind` tells failures apart where the error's code or message cannot (it defaults to them). */
export type RateLimitedWarn = (error: unknown, message: string, kind?: string) => void;

export function rateLimitedLog(logger: Pick<Logger, 'warn'>, intervalMs: number, now: () => number = Date.now): RateLimitedWarn {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (error, message, kind) => {
    const code = (error as { code?: unknown } | undefined)?.code;
    const key = `${message}\u0000${kind ?? (typeof code === 'string' ? code : ((error as Error | undefined)?.message ?? ''))}`;
    const seen = last.get(key);
    const at = now();
    if (seen && at - seen.at < intervalMs) {
      seen.suppressed += 1;
      return;
    }
    last.set(key, { at, suppressed: 0 });
    // Bounded: an outage produces a handful of distinct keys, but an adversarial message must not grow this forever.
    if (last.size > 1000) last.delete(last.keys().next().value as string);
    logger.warn({ err: error, suppressedSinceLast: seen?.suppressed ?? 0 }, message);
  };
}
