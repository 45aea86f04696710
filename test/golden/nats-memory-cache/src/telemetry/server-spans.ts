/**
 * The HTTP server span, from Fastify's own hooks: one span per request to the service's routes,
 * named after the route template (`GET /items/:id`) so traces group by endpoint and ids never
 * become span names, continuing an incoming W3C traceparent. Probes are registered outside the
 * routes these hooks see, and /metrics is skipped: they are polled every few seconds and say
 * nothing about a request. Hooks rather than @opentelemetry/instrumentation-http, which wraps
 * every emitter of every request and cost about as much CPU as the traced request itself.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const UNTRACED_ROUTES = new Set(['/metrics']);

interface ServerTrace {
  span: Span;
  context: Context;
}

declare module 'fastify' {
  interface FastifyRequest {
    serverTrace: ServerTrace | null;
  }
}

function startServerSpan(tracer: Tracer, request: FastifyRequest, route: string): ServerTrace {
  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  const query = request.url.indexOf('?');
  const span = tracer.startSpan(
    `${request.method} ${route}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': request.method,
        'http.route': route,
        'url.path': query === -1 ? request.url : request.url.slice(0, query),
        'url.scheme': request.protocol,
        'network.protocol.version': request.raw.httpVersion,
        'client.address': request.ip,
        'user_agent.original': request.headers['user-agent'],
      },
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

function endServerSpan(serverTrace: ServerTrace, statusCode: number | undefined): void {
  const { span } = serverTrace;
  if (!span.isRecording()) return;
  if (statusCode === undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: 'request aborted by the client' });
  else {
    span.setAttribute('http.response.status_code', statusCode);
    if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/** Registers the server span's hooks; call only when tracing is on (each hook costs a little on every request). */
export function traceServerRequests(app: FastifyInstance): void {
  // Looked up once: the provider is registered before the app is built (main.ts), not per request.
  const tracer = trace.getTracer('http-server');
  app.decorateRequest('serverTrace', null);
  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (UNTRACED_ROUTES.has(route)) return done();
    request.serverTrace = startServerSpan(tracer, request, route);
    // The rest of the request's lifecycle, and every promise it starts, runs in the span's context.
    context.with(request.serverTrace.context, done);
  });
  // Reading the body resumes in the socket's context: enter the span's again before the handler.
  app.addHook('preHandler', (request, _reply, done) => (request.serverTrace ? context.with(request.serverTrace.context, done) : done()));
  app.addHook('onError', (request, _reply, error, done) => {
    request.serverTrace?.span.recordException(error);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    if (request.serverTrace) endServerSpan(request.serverTrace, undefined);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const serverTrace = request.serverTrace;
    if (!serverTrace) return done();
    endServerSpan(serverTrace, reply.statusCode);
    // Fastify writes the access-log line after this hook: in the span's context, it carries its ids.
    context.with(serverTrace.context, done);
  });
}
