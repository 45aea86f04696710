/**
 * Queued adjustments of an order: POST accepts one and answers 202 with a status URL at
 * once; the command consumer works it off at its own pace (at most MESSAGING_MAX_IN_FLIGHT at a
 * time per replica), and GET on the status URL reports pending, done or failed. Use this shape
 * for work that is too slow or too bursty to do inside the request.
 *
 * The If-Match version travels with the command: of two adjustments based on the same version,
 * exactly one is applied and the other fails with a conflict, whichever arrives first.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { HttpError } from '../http/errors.ts';
import { etagFor, requiredIfMatchVersions } from '../http/etag.ts';
import type { SettingsView } from '../settings/live-settings.ts';
import { assertWritesEnabled } from '../resources/write-errors.ts';
import type { Adjustment, AdjustmentQueue } from './adjustments.ts';
import { ErrorJson } from './schemas.ts';

export interface OrderAdjustmentRoutesOptions {
  adjustments: AdjustmentQueue;
  /** writesEnabled=false stops adjustments like every other write. */
  settings: SettingsView;
}

const PREFIX = '/orders';
/** How long clients should wait before polling the status URL again. */
const RETRY_AFTER_SECONDS = 1;

const AdjustmentInput = Type.Object({ delta: Type.Integer({ minimum: -1_000_000, maximum: 1_000_000 }) }, { additionalProperties: false });

const AdjustmentJson = Type.Object({
  id: Type.String({ format: 'uuid' }),
  orderId: Type.String({ format: 'uuid' }),
  delta: Type.Integer(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('done'), Type.Literal('failed')]),
  expectedVersion: Type.Integer(),
  resultVersion: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  statusUrl: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const SubmitParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const StatusParams = Type.Object({ id: Type.String({ format: 'uuid' }), adjustmentId: Type.String({ format: 'uuid' }) });
const SubmitHeaders = Type.Object({
  'if-match': Type.Optional(Type.String()),
  /** Retrying a POST with the same key returns the same adjustment instead of queueing another. */
  'idempotency-key': Type.Optional(Type.String({ format: 'uuid' })),
});

function statusUrl(adjustment: Adjustment): string {
  return `${PREFIX}/${adjustment.orderId}/adjustments/${adjustment.id}`;
}

function toJson(adjustment: Adjustment) {
  return {
    ...adjustment,
    statusUrl: statusUrl(adjustment),
    createdAt: adjustment.createdAt.toISOString(),
    updatedAt: adjustment.updatedAt.toISOString(),
  };
}

export const orderAdjustmentRoutes: FastifyPluginAsyncTypebox<OrderAdjustmentRoutesOptions> = async (app, { adjustments, settings }) => {
  app.post(
    `${PREFIX}/:id/adjustments`,
    {
      schema: {
        params: SubmitParams,
        headers: SubmitHeaders,
        body: AdjustmentInput,
        response: { 202: AdjustmentJson, '4xx': ErrorJson },
      },
    },
    async (request, reply) => {
      assertWritesEnabled(settings, 'orders');
      const { id } = request.params;
      const result = await adjustments.submit({
        orderId: id,
        delta: request.body.delta,
        expectedVersions: requiredIfMatchVersions(request.headers['if-match'], 'the order the adjustment is based on'),
        idempotencyKey: request.headers['idempotency-key'],
      });
      switch (result.kind) {
        case 'not_found':
          throw new HttpError(404, 'not_found', `order ${id} does not exist`);
        case 'version_mismatch':
          throw new HttpError(412, 'precondition_failed', `order ${id} has changed: its current ETag is ${etagFor(result.currentVersion)}; read it again and retry`);
        case 'key_reused':
          throw new HttpError(422, 'idempotency_key_reused', 'this Idempotency-Key was already used for a different adjustment');
        case 'accepted':
          return reply.code(202).header('location', statusUrl(result.adjustment)).header('retry-after', String(RETRY_AFTER_SECONDS)).send(toJson(result.adjustment));
      }
    },
  );

  app.get(
    `${PREFIX}/:id/adjustments/:adjustmentId`,
    { schema: { params: StatusParams, response: { 200: AdjustmentJson, '4xx': ErrorJson } } },
    async (request, reply) => {
      const found = await adjustments.get(request.params.id, request.params.adjustmentId);
      if (found === undefined) throw new HttpError(404, 'not_found', `adjustment ${request.params.adjustmentId} of order ${request.params.id} does not exist`);
      if (found.status === 'pending') reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return reply.send(toJson(found));
    },
  );
};
