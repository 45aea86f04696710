/** The read-only switch: every write path asks it first (the dynamic setting writesEnabled). */
import { HttpError } from '../http/errors.ts';
import type { SettingsView } from './live-settings.ts';

/** Changes stop while writesEnabled is false, answered 503 with Retry-After; reads go on. */
export function assertWritesEnabled(settings: SettingsView, what: string): void {
  if (!settings.current().writesEnabled) {
    throw new HttpError(503, 'writes_disabled', `${what} are read-only for now (dynamic setting writesEnabled is false); retry later`);
  }
}
