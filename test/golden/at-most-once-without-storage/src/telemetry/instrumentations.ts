/** The libraries whose calls become spans in this service (the HTTP server span comes from Fastify's hooks: server-spans.ts). */
import type { TracerProvider } from '@opentelemetry/api';

export const LIBRARY_INSTRUMENTATIONS: ReadonlyArray<(provider: TracerProvider) => void> = [
  // none: this service uses no client library that is traced
];
