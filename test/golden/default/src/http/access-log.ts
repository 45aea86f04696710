/**
 * One access-log line per request. Fastify's default writes two (received, completed); on a
 * route served from a cache those two lines cost more CPU than the route itself, and the second
 * can say everything the first did. Fastify's other request logs (errors, aborted streams) stay.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

export class AccessLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'requestId' });
  }

  override incomingRequest(): void {
    // Folded into requestCompleted: a request that never completes is still counted by the
    // metrics and, if it failed, logged by the error handler.
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    // Fastify calls this after a context's onResponse hooks, so only in contexts that have one:
    // the service's (metrics), not the probes' (src/http/app.ts). reply.log carries the request
    // id and honours each route's logLevel.
    const line = {
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      responseTimeMs: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}
