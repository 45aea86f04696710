/**
 * /shipment-lines: create, list, read, replace and delete. Reads return an ETag; replace and
 * delete require If-Match with that ETag (428 without it, 412 when it is stale). A deleted
 * shipment-line is a tombstone until it is purged, and answers 404 like one that never existed.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { etagFor, ifNoneMatchHits, requiredIfMatchVersions } from '../http/etag.ts';
import { ErrorJson, IdParams, IfMatchHeaders, IfNoneMatchHeaders, ListQuery } from '../resources/http-schemas.ts';
import { jsonViewOf } from '../resources/json-view.ts';
import { assertWritesEnabled, notFound, stale } from '../resources/write-errors.ts';
import type { SettingsView } from '../settings/live-settings.ts';
import { ShipmentLineInput, ShipmentLineJson, ShipmentLinePage } from './schemas.ts';
import type { ShipmentLine, ShipmentLineStore } from './store.ts';

export interface ShipmentLinesRoutesOptions {
  store: ShipmentLineStore;
  settings: SettingsView;
}

const PREFIX = '/shipment-lines';
const RESOURCE = 'shipment-line';

const toJson = (entity: ShipmentLine): ShipmentLineJson => ({
  id: entity.id,
  label: entity.label,
  notes: entity.notes,
  quantity: entity.quantity,
  weight: entity.weight,
  done: entity.done,
  shippedAt: entity.shippedAt.toISOString(),
  ref: entity.ref,
  version: entity.version,
  createdAt: entity.createdAt.toISOString(),
  updatedAt: entity.updatedAt.toISOString(),
});

// A read by id may come from the memory cache, the same row object on every hit: its JSON is
// built once. Lists, creates and updates have new rows each time, so they build it directly.
const readJsonOf = jsonViewOf(toJson);

export const shipmentLinesRoutes: FastifyPluginAsyncTypebox<ShipmentLinesRoutesOptions> = async (app, { store, settings }) => {
  app.post(PREFIX, { schema: { body: ShipmentLineInput, response: { 201: ShipmentLineJson, '4xx': ErrorJson } } }, async (request, reply) => {
    assertWritesEnabled(settings, 'shipment-lines');
    const created = await store.create(request.body);
    return reply.code(201).header('location', `${PREFIX}/${created.id}`).header('etag', etagFor(created.version)).send(toJson(created));
  });

  app.get(PREFIX, { schema: { querystring: ListQuery, response: { 200: ShipmentLinePage, '4xx': ErrorJson } } }, async (request) => {
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
        response: { 200: ShipmentLineJson, 304: Type.Null(), '4xx': ErrorJson },
      },
    },
    async (request, reply) => {
      const found = await store.get(request.params.id);
      if (found === undefined) throw notFound(RESOURCE, request.params.id);
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
        body: ShipmentLineInput,
        response: { 200: ShipmentLineJson, '4xx': ErrorJson },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      assertWritesEnabled(settings, 'shipment-lines');
      const result = await store.update(id, requiredIfMatchVersions(request.headers['if-match'], 'the current shipment-line'), request.body);
      if (result.kind === 'not_found') throw notFound(RESOURCE, id);
      if (result.kind === 'version_mismatch') throw stale(RESOURCE, id, result.currentVersion);
      return reply.header('etag', etagFor(result.shipmentLine.version)).send(toJson(result.shipmentLine));
    },
  );

  app.delete(`${PREFIX}/:id`, { schema: { params: IdParams, headers: IfMatchHeaders, response: { 204: Type.Null(), '4xx': ErrorJson } } }, async (request, reply) => {
    const { id } = request.params;
    assertWritesEnabled(settings, 'shipment-lines');
    const result = await store.delete(id, requiredIfMatchVersions(request.headers['if-match'], 'the current shipment-line'));
    if (result.kind === 'not_found') throw notFound(RESOURCE, id);
    if (result.kind === 'version_mismatch') throw stale(RESOURCE, id, result.currentVersion);
    return reply.code(204).send(null);
  });
};
