/** The errors every resource's routes answer with for a missing row, a stale ETag and paused writes. */
import { HttpError } from '../http/errors.ts';
import { etagFor } from '../http/etag.ts';
import type { SettingsView } from '../settings/live-settings.ts';

export function notFound(resource: string, id: string): HttpError {
  return new HttpError(404, 'not_found', `${resource} ${id} does not exist`);
}

/** Changes stop while the dynamic setting writesEnabled is false; reads go on. */
export function assertWritesEnabled(settings: SettingsView, resourcePlural: string): void {
  if (!settings.current().writesEnabled) {
    throw new HttpError(503, 'writes_disabled', `${resourcePlural} are read-only for now (dynamic setting writesEnabled is false); retry later`);
  }
}

export function stale(resource: string, id: string, currentVersion: number): HttpError {
  return new HttpError(412, 'precondition_failed', `${resource} ${id} has changed: its current ETag is ${etagFor(currentVersion)}; read it again and retry`);
}
