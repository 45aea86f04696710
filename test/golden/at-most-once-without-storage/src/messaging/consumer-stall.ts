/**
 * Liveness for the consumer: messages wait, deliveries are in flight, yet nothing has been
 * settled for longer than the threshold: the consumer is wedged (a hung handler, a lost
 * channel that never reported closing), and a restart is the remedy.
 */
import type { Broker } from './broker.ts';

export function consumerStallDetector(
  broker: Pick<Broker, 'progress'>,
  thresholdMs: number,
  now: () => number = Date.now,
  /** Deliveries waiting for an unavailable dependency: not a stall (a restart would not help). */
  waitingForDependency: () => number = () => 0,
) {
  return {
    stallReason(): string | undefined {
      if (waitingForDependency() > 0) return undefined;
      const { inFlight, waiting, lastSettledAt } = broker.progress();
      const idleMs = now() - lastSettledAt;
      if ((waiting ?? 0) > 0 && inFlight > 0 && idleMs > thresholdMs) {
        return `consumer stalled: ${inFlight} in flight and ${waiting} waiting, nothing settled for ${idleMs} ms`;
      }
      return undefined;
    },
  };
}
