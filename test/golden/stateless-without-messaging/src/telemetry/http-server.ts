/**
 * The HTTP server span: @opentelemetry/instrumentation-http patched onto node:http's Server (the
 * bundled Fastify listens through it), continuing an incoming W3C traceparent. Probes and
 * /metrics are left untraced: they are scraped every few seconds and say nothing about a request.
 */
import { createRequire } from 'node:module';
import type { TracerProvider } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { patchModule } from './patch-module.ts';

const UNTRACED = new Set(['/livez', '/readyz', '/startupz', '/metrics']);

export function instrumentHttpServer(provider: TracerProvider): void {
  const instrumentation = new HttpInstrumentation({
    enabled: false,
    // The service calls no HTTP APIs; the exporter's own requests must not become spans.
    disableOutgoingRequestInstrumentation: true,
    ignoreIncomingRequestHook: (request) => UNTRACED.has((request.url ?? '').split('?', 1)[0] ?? ''),
  });
  // The CommonJS exports object: the one node:http's Server.prototype.emit lives on.
  patchModule(instrumentation, provider, 'http', createRequire(import.meta.url)('node:http'));
}
