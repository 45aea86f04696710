/**
 * One error shape for every failure: `{ "error": { "code", "message" } }`. Client errors carry
 * a precise message; server errors are logged in full and answered without internals.
 */
import type { FastifyBaseLogger, FastifyError, FastifyInstance } from 'fastify';
import { isDependencyUnavailable } from '../dependency-errors.ts';
import { rateLimitedLog } from '../rate-limited-log.ts';
import { validationMessage, validationProblems, type ValidationProblem } from './validation.ts';

export interface ErrorBody {
  error: { code: string; message: string; details?: ValidationProblem[] };
}

/** What a client is told to wait before retrying when a dependency is down. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

export class HttpError extends Error {
  override name = 'HttpError';
  readonly statusCode: number;
  readonly code: string;

  constructor(statusCode: number, code: string, message: string) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
  }
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

const CLIENT_ERROR_CODES: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  428: 'precondition_required',
  429: 'too_many_requests',
};

export function registerErrorHandling(app: FastifyInstance, logger: FastifyBaseLogger): void {
  // An outage fails every request the same way: log it once per interval, not once per request.
  const warnUnavailable = rateLimitedLog(logger, 10_000);
  app.setErrorHandler<FastifyError | HttpError>((error, request, reply) => {
    if (error instanceof HttpError) {
      if (error.statusCode === 503) reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
      return reply.code(error.statusCode).send(errorBody(error.code, error.message));
    }
    if ('validation' in error && error.validation !== undefined) {
      const details = validationProblems(error.validation, error.validationContext ?? 'request');
      return reply.code(400).send({ error: { code: 'validation_failed', message: validationMessage(details), details } });
    }
    if (isDependencyUnavailable(error)) {
      warnUnavailable(error, 'a dependency is unavailable: answering 503');
      return reply
        .code(503)
        .header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS))
        .send(errorBody('service_unavailable', 'a dependency of this service is unavailable; retry later'));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send(errorBody(CLIENT_ERROR_CODES[status] ?? 'client_error', error.message));
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send(errorBody('internal_error', 'Internal server error'));
  });
}

/** Unknown routes: answered, instrumented and logged like the context it is called in. */
export function registerNotFound(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    return reply.code(404).send(errorBody('not_found', `Route ${request.method} ${path} not found`));
  });
}
