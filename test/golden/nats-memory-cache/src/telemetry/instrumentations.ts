/** The libraries whose calls become spans in this service (the HTTP server span comes from Fastify's hooks: server-spans.ts). */
import type { TracerProvider } from '@opentelemetry/api';
import { instrumentPostgres } from './pg.ts';

export const LIBRARY_INSTRUMENTATIONS: ReadonlyArray<(provider: TracerProvider) => void> = [
  // every PostgreSQL query becomes a client span (pg.ts)
  instrumentPostgres,
];
