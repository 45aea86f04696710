/** Scheduled work (CronJobs): runs that cannot pile up, and a schedule that keeps running. */
import type { Rule } from '../model.js';
import { asObj, refOf } from '../objects.js';
import { eachUnit, objectsOfKind } from './helpers.js';

export const jobRules: Rule[] = [
  {
    id: 'cronjob-no-overlap',
    severity: 'error',
    principle: 'Predictable resources',
    mirrors: 'Kubernetes CronJob concurrencyPolicy guidance (the default, Allow, starts a run while the last one still runs)',
    fix: 'set spec.concurrencyPolicy: Forbid (or Replace), so a slow run never overlaps the next one',
    check: (input) =>
      eachUnit(input, (unit) =>
        objectsOfKind(unit, 'CronJob').flatMap(({ raw, source }) => {
          const policy = asObj(raw.spec).concurrencyPolicy;
          return policy === 'Forbid' || policy === 'Replace'
            ? []
            : [{ object: refOf(raw), source, message: `concurrencyPolicy is ${policy === undefined ? 'unset (Allow)' : String(policy)}: runs can overlap and pile up` }];
        }),
      ),
  },
  {
    id: 'cronjob-starting-deadline',
    severity: 'error',
    principle: 'Predictable resources',
    mirrors: 'KICS CronJob Deadline Not Configured, Datree CRONJOB_MISSING_STARTINGDEADLINESECOND_KEY',
    fix: 'set spec.startingDeadlineSeconds (e.g. 3600): without it, a controller that missed more than 100 schedules stops scheduling the CronJob',
    check: (input) =>
      eachUnit(input, (unit) =>
        objectsOfKind(unit, 'CronJob').flatMap(({ raw, source }) => {
          const deadline = asObj(raw.spec).startingDeadlineSeconds;
          return typeof deadline === 'number' && Number.isInteger(deadline) && deadline > 0
            ? []
            : [{ object: refOf(raw), source, message: 'startingDeadlineSeconds is not set: missed runs start late, or the CronJob stops being scheduled' }];
        }),
      ),
  },
];
