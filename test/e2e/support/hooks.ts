// The Jest side of cleanup (kept apart so the rest of the support library also runs outside Jest).
import { afterAll } from '@jest/globals';
import { cleanupAll } from './cleanup.js';

/** Call once at the top level of an e2e test file: cleans up in afterAll, even when tests fail. */
export function useE2eCleanup(timeoutMs = 60_000): void {
  afterAll(cleanupAll, timeoutMs);
}
