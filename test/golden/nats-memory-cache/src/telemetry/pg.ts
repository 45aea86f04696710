/** A client span for every PostgreSQL query (pg's Client.query, which the pool uses too). */
import type { TracerProvider } from '@opentelemetry/api';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import pg from 'pg';
import { patchModule } from './patch-module.ts';

export function instrumentPostgres(provider: TracerProvider): void {
  // Spans only for queries made inside a trace (a request, a command): the relay's and
  // listeners' background polling would otherwise start a trace of its own every time.
  patchModule(new PgInstrumentation({ enabled: false, requireParentSpan: true }), provider, 'pg', pg);
}
