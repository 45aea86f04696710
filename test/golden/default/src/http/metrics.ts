/** Prometheus metrics: Node's default process metrics plus HTTP request durations. */
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { SERVICE_NAME } from '../config.ts';

export interface Metrics {
  registry: Registry;
  httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
}

const MISNAMED_DEFAULT_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** A registry of its own, so several apps in one process (tests) never collide. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: SERVICE_NAME });
  collectDefaultMetrics({ register: registry });
  // Gauges that prom-client names like counters, which `promtool check metrics` rejects (and
  // rate() on them would be nonsense); each is the sum of its per-type family, e.g.
  // sum(nodejs_active_handles).
  for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);
  const httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP requests in seconds, by route template, method and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { registry, httpRequestDuration };
}

export function registerMetrics(app: FastifyInstance, metrics: Metrics): void {
  // One labelled child per method, route template and status, found by a string key: cheaper on
  // every request than hashing a labels object, and bounded because routes are templates.
  // The probes are not counted: they live outside the context this hook is added to (app.ts).
  const observers = new Map<string, { observe(seconds: number): void }>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = String(reply.statusCode);
    const key = `${request.method} ${route} ${status}`;
    let observer = observers.get(key);
    if (observer === undefined) {
      observer = metrics.httpRequestDuration.labels(request.method, route, status);
      observers.set(key, observer);
    }
    observer.observe(reply.elapsedTime / 1000);
    done();
  });

  app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).send(body);
  });
}
