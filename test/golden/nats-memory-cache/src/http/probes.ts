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
import type { Lifecycle, Phase, ProbeResult } from '../lifecycle.ts';

/** Probes log warnings and errors only. */
const probeOptions = { logLevel: 'warn' } as const;

/** What a probe request is called in the request's `id`: nothing echoes or logs it, so no random UUID per poll. */
const PROBE_REQUEST_ID = 'probe';

/**
 * A passing probe's answer depends on the phase alone: each is serialized once, so a poll that
 * passes builds and serializes no body. A string rather than a Buffer: Node sends a string body
 * in one write with the headers, a Buffer in a second chunk (writev), which cost more.
 */
const passingBodies = new Map<Phase, string>();

function passingBody(phase: Phase): string {
  let body = passingBodies.get(phase);
  if (body === undefined) {
    body = JSON.stringify({ status: 'ok', phase });
    passingBodies.set(phase, body);
  }
  return body;
}

function send(reply: FastifyReply, result: ProbeResult): void {
  reply.header('cache-control', 'no-store');
  if (result.ok && result.reason === undefined && !('checks' in result)) {
    reply.code(200).header('content-type', 'application/json; charset=utf-8').send(passingBody(result.phase));
    return;
  }
  const { ok, ...rest } = result;
  reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', ...rest });
}

export const probeRoutes: FastifyPluginAsync<{ lifecycle: Lifecycle; logger: FastifyBaseLogger }> = async (app, { lifecycle, logger }) => {
  // Whatever a probe logs is marked `probe: true` rather than with a request id nobody sent.
  let probeLogger: FastifyBaseLogger | undefined;
  app.setChildLoggerFactory((_noLogger, _bindings, options) => (probeLogger ??= logger.child({ probe: true }, options)));
  app.setGenReqId(() => PROBE_REQUEST_ID);

  // Synchronous handlers: the answer is ready at once, and an async one costs a promise and its
  // microtasks on every poll. Fastify turns what they throw into the error handler's answer.
  app.get('/startupz', probeOptions, (_request, reply) => {
    send(reply, lifecycle.startup());
  });

  app.get('/livez', probeOptions, (_request, reply) => {
    send(reply, lifecycle.liveness());
  });

  app.get('/readyz', probeOptions, async (_request, reply) => {
    send(reply, await lifecycle.readiness());
    return reply;
  });
};
