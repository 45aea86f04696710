/**
 * The outbox, read at scrape time: how many messages wait to be published and how old the oldest
 * is. A broker outage or a stuck relay shows here first, while writes still succeed.
 */
import type pg from 'pg';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../logger.ts';

export function registerOutboxMetrics(registry: Registry, pool: pg.Pool, logger: Logger): void {
  let reading: Promise<{ backlog: number; oldestAgeSeconds: number }> | undefined;
  // One query per scrape for both gauges; a failed read leaves the last values (and is logged).
  const read = () =>
    (reading ??= pool
      .query<{ backlog: string; oldest_age_seconds: number | null }>(
        `select count(*) as backlog, extract(epoch from now() - min(created_at))::float8 as oldest_age_seconds from outbox`,
      )
      .then(({ rows }) => ({ backlog: Number(rows[0]?.backlog ?? 0), oldestAgeSeconds: rows[0]?.oldest_age_seconds ?? 0 }))
      .finally(() => {
        reading = undefined;
      }));
  new Gauge({
    name: 'outbox_messages',
    help: 'Messages in the outbox not yet published',
    registers: [registry],
    async collect() {
      await read().then(
        ({ backlog }) => this.set(backlog),
        (error: unknown) => logger.warn({ err: error }, 'outbox metrics: cannot read the outbox'),
      );
    },
  });
  new Gauge({
    name: 'outbox_oldest_message_age_seconds',
    help: 'Age of the oldest unpublished outbox message (0 when the outbox is empty)',
    registers: [registry],
    async collect() {
      await read().then(
        ({ oldestAgeSeconds }) => this.set(oldestAgeSeconds),
        () => undefined,
      );
    },
  });
}
