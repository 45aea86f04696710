/**
 * The admin API: read and change the dynamic settings. Every request needs
 * `Authorization: Bearer <ADMIN_TOKEN>` (401 without a matching one); with no ADMIN_TOKEN set
 * the API is off and answers 403, so it is never open by accident. A change needs If-Match with
 * the ETag of the settings it was based on (428 without it, 412 when another change came first)
 * and is logged with the request id, as an audit trail.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorJson } from '../http/error-schema.ts';
import { etagFor, requiredIfMatchVersions } from '../http/etag.ts';
import { HttpError } from '../http/errors.ts';
import { overrideErrors, settingsFromOverrides, type SettingOverrides } from './dynamic-settings.ts';
import type { SettingsAdministration, SettingsSnapshot } from './live-settings.ts';

export interface AdminRoutesOptions {
  settings: SettingsAdministration;
  /** undefined: the admin API is off. */
  token: string | undefined;
}

const SETTINGS_PATH = '/admin/settings';

const SettingsJson = Type.Object({
  version: Type.Integer(),
  updatedAt: Type.String({ format: 'date-time' }),
  /** What is stored: PUT replaces exactly this. */
  overrides: Type.Record(Type.String(), Type.Unknown()),
  /** What the service uses: the overrides over the defaults. */
  settings: Type.Record(Type.String(), Type.Unknown()),
});

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Constant-time comparison: the time taken says nothing about how much of the token matched. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer +(\S+)\s*$/i.exec(header ?? '')?.[1];
  return presented !== undefined && timingSafeEqual(digest(presented), digest(token));
}

function toJson(snapshot: SettingsSnapshot) {
  return {
    version: snapshot.version,
    updatedAt: snapshot.updatedAt.toISOString(),
    overrides: snapshot.overrides,
    settings: snapshot.settings,
  };
}

export const adminRoutes: FastifyPluginAsyncTypebox<AdminRoutesOptions> = async (app, { settings, token }) => {
  // Encapsulated: this hook guards the routes of this plugin only.
  app.addHook('onRequest', async (request, reply) => {
    if (token === undefined) throw new HttpError(403, 'forbidden', 'the admin API is off: set ADMIN_TOKEN to turn it on');
    if (!bearerMatches(request.headers.authorization, token)) {
      reply.header('www-authenticate', 'Bearer realm="admin"');
      throw new HttpError(401, 'unauthorized', 'the admin API needs Authorization: Bearer <ADMIN_TOKEN>');
    }
  });

  app.get(SETTINGS_PATH, { schema: { response: { 200: SettingsJson, '4xx': ErrorJson } } }, async (_request, reply) => {
    const snapshot = await settings.read();
    return reply.header('etag', etagFor(snapshot.version)).header('cache-control', 'no-store').send(toJson(snapshot));
  });

  app.put(
    SETTINGS_PATH,
    {
      schema: {
        headers: Type.Object({ 'if-match': Type.Optional(Type.String()) }),
        body: Type.Unknown(),
        response: { 200: SettingsJson, '4xx': ErrorJson },
      },
    },
    async (request, reply) => {
      const expectedVersions = requiredIfMatchVersions(request.headers['if-match'], 'GET /admin/settings');
      const errors = overrideErrors(request.body);
      if (errors.length > 0) throw new HttpError(400, 'validation_failed', errors.join('; '));
      const overrides = request.body as SettingOverrides;
      const result = await settings.write(expectedVersions, overrides);
      if (result.kind === 'version_mismatch') {
        throw new HttpError(412, 'precondition_failed', `the settings have changed: their current ETag is ${etagFor(result.currentVersion)}; read them again and retry`);
      }
      request.log.info({ version: result.stored.version, overrides }, 'dynamic settings changed');
      const { stored } = result;
      return reply.header('etag', etagFor(stored.version)).send(toJson({ ...stored, settings: settingsFromOverrides(stored.overrides).settings }));
    },
  );
};
