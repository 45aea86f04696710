/**
 * Builds the HTTP application: a Fastify instance with logging, one error handler, the probes,
 * and the service's own context: request ids, metrics, the orders routes and 404s.
 * It does not listen; main.ts does, and tests use `app.inject()` without a port.
 *
 * New routes belong in `serviceRoutes` (or a plugin registered there). A route added to the
 * returned instance is served like a probe: with the error handler, without request ids and
 * metrics (tests use that for throw-away routes).
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Lifecycle } from '../lifecycle.ts';
import { adminRoutes } from '../settings/admin-routes.ts';
import type { SettingsAdministration } from '../settings/live-settings.ts';
import { registerSettingsMetrics } from '../settings/settings-metrics.ts';
import type { OrderStore } from '../orders/store.ts';
import type { MountedResource } from '../resources/resource-module.ts';
import { ordersRoutes } from '../orders/routes.ts';
import { AccessLogController } from './access-log.ts';
import { clientErrorHandler } from './client-errors.ts';
import { registerErrorHandling, registerNotFound } from './errors.ts';
import { createMetrics, registerMetrics, type Metrics } from './metrics.ts';
import { registerOpenApi } from './openapi.ts';
import { probeRoutes } from './probes.ts';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id.ts';
import { buildSerializer } from './serializers.ts';
import { serverTimeouts } from './server-timeouts.ts';
import { validatorCompiler } from './validation.ts';
import { traceServerRequests } from '../telemetry/server-spans.ts';

export interface AppDependencies {
  /** Tracing is on (src/telemetry/): the server span's hooks are registered only then, so they cost nothing otherwise. */
  traced?: boolean;
  logger: FastifyBaseLogger;
  lifecycle: Lifecycle;
  /** Defaults to a fresh registry. */
  metrics?: Metrics;
  /** How long a client may take to send a whole request (408 after); default 30 s. */
  requestTimeoutMs?: number;
  orders: OrderStore;
  /** The dynamic settings (src/settings/): read by the routes, changed through /admin/settings. */
  settings: SettingsAdministration;
  /** Bearer token of /admin/...; undefined turns the admin API off. */
  adminToken: string | undefined;
  /** Resources added with `microforge add resource` (src/resources/index.ts), mounted by the adapters. */
  resources?: readonly MountedResource[];
}

export async function buildApp(deps: AppDependencies) {
  const app = Fastify({
    // Fastify gets no logger of its own: request loggers come from the child logger factory
    // below. Given one, Fastify times every response and listens for its end in every context;
    // without, only in contexts with an onResponse hook (the service's routes: metrics, access
    // log), not the probes every replica answers every few seconds (0.3-0.7 µs of a probe's 14).
    genReqId: requestIdFor,
    logController: new AccessLogController(),
    bodyLimit: 1024 * 1024,
    // Longer than typical load-balancer idle timeouts, so the balancer closes idle connections first.
    keepAliveTimeout: 65_000,
    requestTimeout: deps.requestTimeoutMs ?? 30_000,
    // Also given to Node's HTTP server when it is created, with a check every second: with
    // Fastify's requestTimeout alone, Node looked only every 30 s and a stalled body got its 408
    // after 60-85 s.
    http: serverTimeouts(deps.requestTimeoutMs ?? 30_000),
    // 408, 431 and malformed HTTP in the service's one error shape.
    clientErrorHandler,
    // One serializer per response schema, shared by the routes and status codes that use it.
    schemaController: { compilersFactory: { buildSerializer } },
  });
  app.setChildLoggerFactory((_noLogger, bindings, options) => deps.logger.child(bindings, options));
  // Strict bodies, every error at once, unknown fields named (src/http/validation.ts).
  app.setValidatorCompiler(validatorCompiler);

  registerErrorHandling(app, deps.logger);
  await registerOpenApi(app);
  await app.register(probeRoutes, { lifecycle: deps.lifecycle, logger: deps.logger });
  await app.register((service) => serviceRoutes(service, deps));
  return app;
}

/** Everything but the probes, in one context, so the hooks below reach its routes and its 404s. */
async function serviceRoutes(app: FastifyInstance, deps: AppDependencies): Promise<void> {
  // Every response echoes its request id, and once shutdown begins every response closes its
  // connection, so keep-alive clients reconnect to another replica and requests in flight do
  // not hold the process open. One synchronous hook: it runs on every request.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    if (deps.lifecycle.shuttingDown) reply.header('connection', 'close');
    done(null, payload);
  });
  registerNotFound(app);
  if (deps.traced) traceServerRequests(app);
  const metrics = deps.metrics ?? createMetrics();
  registerMetrics(app, metrics);
  registerSettingsMetrics(metrics.registry, deps.settings);
  await app.register(ordersRoutes, { store: deps.orders, settings: deps.settings });
  for (const resource of deps.resources ?? []) await resource.register(app, deps.settings);
  await app.register(adminRoutes, { settings: deps.settings, token: deps.adminToken });
}

export type App = Awaited<ReturnType<typeof buildApp>>;
