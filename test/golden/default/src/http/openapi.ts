/**
 * GET /openapi.json: an OpenAPI 3.1 document of the service's routes, derived by @fastify/swagger
 * from the very schemas Fastify validates requests and serialises responses with, so the document
 * cannot drift from what the service accepts and answers. Built once, on the first request.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { SERVICE_NAME } from '../config.ts';
import { packageRoot } from '../package-root.ts';

export const OPENAPI_PATH = '/openapi.json';

/** Register before any route: the plugin records routes as they are added. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  // The package version: the image ships package.json beside dist/.
  const { version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: SERVICE_NAME,
        version,
        description: `The HTTP API of ${SERVICE_NAME}. Errors answer with one shape: { "error": { "code", "message" } }.`,
      },
    },
  });
  app.get(OPENAPI_PATH, { logLevel: 'warn' }, async () => app.swagger());
}
