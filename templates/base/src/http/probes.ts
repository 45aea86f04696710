/** Kubernetes probes. They only read the lifecycle; they never change it. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Lifecycle, ProbeResult } from '../lifecycle.ts';

/** Probes are polled every few seconds: not logged below warn, not counted in request metrics. */
const probeOptions = { logLevel: 'warn', config: { probe: true } } as const;

function send(reply: FastifyReply, result: ProbeResult): FastifyReply {
  const { ok, ...rest } = result;
  return reply
    .code(ok ? 200 : 503)
    .header('cache-control', 'no-store')
    .send({ status: ok ? 'ok' : 'unavailable', ...rest });
}

export function registerProbes(app: FastifyInstance, lifecycle: Lifecycle): void {
  app.get('/startupz', probeOptions, async (_request, reply) => {
    return send(reply, lifecycle.startup());
  });

  app.get('/livez', probeOptions, async (_request, reply) => {
    return send(reply, lifecycle.liveness());
  });

  app.get('/readyz', probeOptions, async (_request, reply) => {
    return send(reply, await lifecycle.readiness());
  });
}
