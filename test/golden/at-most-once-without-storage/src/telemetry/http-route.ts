/**
 * Names the HTTP server span after the route template (`GET /items/:id`), not the raw URL, so
 * traces group by endpoint and ids never become span names. Without tracing there is no
 * request metadata in the context and the hook does nothing.
 */
import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import type { FastifyInstance } from 'fastify';

export function nameServerSpansByRoute(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const metadata = getRPCMetadata(context.active());
    if (metadata?.type === RPCType.HTTP) metadata.route = request.routeOptions.url ?? 'unmatched';
    done();
  });
}
