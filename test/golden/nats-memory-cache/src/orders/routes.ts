/**
 * /orders: create, list, read, replace and delete. Reads return an ETag; replace and
 * delete require If-Match with that ETag (428 without it, 412 when it is stale). A deleted
 * order is a tombstone until it is purged, and answers 404 like one that never existed.
 * Two dynamic settings apply at once, without a restart: maxPageSize and writesEnabled.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { HttpError } from '../http/errors.ts';
import { etagFor, ifNoneMatchHits, requiredIfMatchVersions } from '../http/etag.ts';
import { ErrorJson, IdParams, IfMatchHeaders, IfNoneMatchHeaders, OrderInput, OrderJson, OrderPage, ListQuery } from './schemas.ts';
import type { SettingsView } from '../settings/live-settings.ts';
import { jsonViewOf } from '../resources/json-view.ts';
import { assertWritesEnabled } from '../resources/write-errors.ts';
import type { Order, OrderStore } from './store.ts';

export interface OrdersRoutesOptions {
  store: OrderStore;
  settings: SettingsView;
}

const PREFIX = '/orders';

const toJson = (order: Order): OrderJson => ({
  id: order.id,
  name: order.name,
  quantity: order.quantity,
  version: order.version,
  createdAt: order.createdAt.toISOString(),
  updatedAt: order.updatedAt.toISOString(),
});

// A read by id may come from the memory cache, the same row object on every hit: its JSON is
// built once. Lists, creates and updates have new rows each time, so they build it directly.
const readJsonOf = jsonViewOf(toJson);

function notFound(id: string): HttpError {
  return new HttpError(404, 'not_found', `order ${id} does not exist`);
}

function stale(id: string, currentVersion: number): HttpError {
  return new HttpError(412, 'precondition_failed', `order ${id} has changed: its current ETag is ${etagFor(currentVersion)}; read it again and retry`);
}

export const ordersRoutes: FastifyPluginAsyncTypebox<OrdersRoutesOptions> = async (app, { store, settings }) => {
  app.post(PREFIX, { schema: { body: OrderInput, response: { 201: OrderJson, '4xx': ErrorJson } } }, async (request, reply) => {
    assertWritesEnabled(settings, 'orders');
    const created = await store.create(request.body);
    return reply.code(201).header('location', `${PREFIX}/${created.id}`).header('etag', etagFor(created.version)).send(toJson(created));
  });

  app.get(PREFIX, { schema: { querystring: ListQuery, response: { 200: OrderPage, '4xx': ErrorJson } } }, async (request) => {
    const limit = Math.min(request.query.limit, settings.current().maxPageSize);
    const { offset } = request.query;
    const { items, hasMore } = await store.list({ limit, offset });
    return { data: items.map(toJson), page: { limit, offset, nextOffset: hasMore ? offset + limit : null } };
  });

  app.get(
    `${PREFIX}/:id`,
    {
      schema: {
        params: IdParams,
        headers: IfNoneMatchHeaders,
        response: { 200: OrderJson, 304: Type.Null(), '4xx': ErrorJson },
      },
    },
    async (request, reply) => {
      const found = await store.get(request.params.id);
      if (found === undefined) throw notFound(request.params.id);
      reply.header('etag', etagFor(found.version));
      if (ifNoneMatchHits(request.headers['if-none-match'], found.version)) return reply.code(304).send(null);
      return reply.send(readJsonOf(found));
    },
  );

  app.put(
    `${PREFIX}/:id`,
    {
      schema: {
        params: IdParams,
        headers: IfMatchHeaders,
        body: OrderInput,
        response: { 200: OrderJson, '4xx': ErrorJson },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      assertWritesEnabled(settings, 'orders');
      const result = await store.update(id, requiredIfMatchVersions(request.headers['if-match'], 'the current order'), request.body);
      if (result.kind === 'not_found') throw notFound(id);
      if (result.kind === 'version_mismatch') throw stale(id, result.currentVersion);
      return reply.header('etag', etagFor(result.order.version)).send(toJson(result.order));
    },
  );

  app.delete(`${PREFIX}/:id`, { schema: { params: IdParams, headers: IfMatchHeaders, response: { 204: Type.Null(), '4xx': ErrorJson } } }, async (request, reply) => {
    const { id } = request.params;
    assertWritesEnabled(settings, 'orders');
    const result = await store.delete(id, requiredIfMatchVersions(request.headers['if-match'], 'the current order'));
    if (result.kind === 'not_found') throw notFound(id);
    if (result.kind === 'version_mismatch') throw stale(id, result.currentVersion);
    return reply.code(204).send(null);
  });
};
