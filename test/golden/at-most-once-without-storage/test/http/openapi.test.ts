/**
 * The OpenAPI document against a standard validator and against the README: every endpoint the
 * README lists is in the document and nothing else, with schemas for what the routes validate.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { validate } from '@readme/openapi-parser';
import { packageRoot } from '../../src/package-root.ts';
import { testApp } from '../helpers.ts';

interface Operation {
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> }>;
}
type OpenApi = { openapi: string; paths: Record<string, Record<string, Operation>> };

async function documentOf(): Promise<OpenApi> {
  const app = await testApp();
  try {
    const response = await app.inject({ url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    return response.json() as OpenApi;
  } finally {
    await app.close();
  }
}

/** `METHOD /path` rows of the README's Endpoints table, with :params as OpenAPI {params}. */
async function readmeEndpoints(): Promise<string[]> {
  const readme = await readFile(join(packageRoot(), 'README.md'), 'utf8');
  const section = readme.split('\n## Endpoints\n')[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/^\| `([A-Z]+) (\/[^`]*)` \|/gm)].map(([, method, path]) => `${method} ${path?.replace(/:(\w+)/g, '{$1}')}`).sort();
}

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const document = await documentOf();
    assert.equal(document.openapi, '3.1.0');
    const result = await validate(structuredClone(document) as never);
    assert.ok(result.valid, JSON.stringify(result, null, 2));
  });

  it('documents exactly the endpoints the README lists', async () => {
    const document = await documentOf();
    const documented = Object.entries(document.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
      .filter((operation) => !operation.startsWith('HEAD '))
      .sort();
    assert.deepEqual(documented, await readmeEndpoints());
  });

  it('carries the request and response schemas the routes validate, and the one error shape', async () => {
    const { paths } = await documentOf();
    const withSchemas = Object.values(paths)
      .flatMap((operations) => Object.values(operations))
      .filter((operation) => operation.responses?.['4XX'] !== undefined);
    assert.ok(withSchemas.length > 0, 'no operation declares its errors');
    for (const operation of withSchemas) {
      const error = operation.responses?.['4XX']?.content?.['application/json']?.schema;
      assert.deepEqual(Object.keys(error?.properties ?? {}), ['error']);
    }
  });
});
