/**
 * Kubernetes probes. They only read the lifecycle; they never change it.
 *
 * The kubelet polls them every few seconds on every replica, so they are registered in a context
 * of their own, outside the request instrumentation of app.ts: no request metrics (probe traffic
 * would drown the service's own, and probe outcomes are visible in Kubernetes already), no
 * access-log line, no echoed request id (the kubelet sends none and opens a new connection per
 * probe), and one logger shared by every probe request instead of a child logger per request.
 */
import type { FastifyBaseLogger, FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Lifecycle, ProbeResult } from '../lifecycle.ts';

/** Probes log warnings and errors only. */
const probeOptions = { logLevel: 'warn' } as const;

function send(reply: FastifyReply, result: ProbeResult): FastifyReply {
  const { ok, ...rest } = result;
  return reply
    .code(ok ? 200 : 503)
    .header('cache-control', 'no-store')
    .send({ status: ok ? 'ok' : 'unavailable', ...rest });
}

export const probeRoutes: FastifyPluginAsync<{ lifecycle: Lifecycle }> = async (app, { lifecycle }) => {
  // Whatever a probe logs is marked `probe: true` rather than with a request id nobody sent.
  let probeLogger: FastifyBaseLogger | undefined;
  app.setChildLoggerFactory((logger, _bindings, options) => (probeLogger ??= logger.child({ probe: true }, options)));

  app.get('/startupz', probeOptions, async (_request, reply) => {
    return send(reply, lifecycle.startup());
  });

  app.get('/livez', probeOptions, async (_request, reply) => {
    return send(reply, lifecycle.liveness());
  });

  app.get('/readyz', probeOptions, async (_request, reply) => {
    return send(reply, await lifecycle.readiness());
  });
};
