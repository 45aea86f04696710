/**
 * Every route of the service against hostile input: wrong types, non-finite numbers, NUL and
 * unusual unicode, odd ids (urn:uuid:, upper case, not a uuid, very long), bodies that are not
 * objects, huge or deeply nested, unknown properties. No client input may cause a 5xx, and
 * nothing is silently changed: whenever a request succeeds, every property it sent comes back
 * exactly as sent (a "5" stored as 5, or null as 0, fails here). The routes are read from the
 * app itself, so a route added later is fuzzed too.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/http/app.ts';
import { bodySchemas } from '../../src/http/validation.ts';
import { FUZZ_ADMIN_TOKEN, fuzzSkip, startFuzzTarget, type FuzzTarget } from './fuzz-target.ts';

/**
 * A body that satisfies a route's JSON schema: every property (required or not) at its smallest
 * valid value, so the fuzz below starts from a request the route accepts.
 */
function validExample(schema: Record<string, any>): unknown {
  const type = Array.isArray(schema.type) ? schema.type.find((candidate: string) => candidate !== 'null') : schema.type;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (Array.isArray(schema.anyOf ?? schema.oneOf)) return validExample((schema.anyOf ?? schema.oneOf)[0]);
  switch (type) {
    case 'object':
      return Object.fromEntries(Object.entries((schema.properties ?? {}) as Record<string, Record<string, any>>).map(([key, child]) => [key, validExample(child)]));
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return Math.min(Math.max(1, schema.minimum ?? (schema.exclusiveMinimum ?? 0) + 1), schema.maximum ?? Number.MAX_SAFE_INTEGER);
    case 'boolean':
      return true;
    case 'string':
      if (schema.format === 'uuid') return randomUUID();
      if (schema.format === 'date-time') return '2026-01-02T03:04:05.000Z';
      if (schema.format === 'date') return '2026-01-02';
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    default:
      return {};
  }
}

/** Property values as JSON text, so 1e400 reaches the server as written. */
const HOSTILE_VALUES: ReadonlyArray<readonly [string, string]> = [
  ['a numeric string', '"5"'],
  ['null', 'null'],
  ['true', 'true'],
  ['false', 'false'],
  ['an array', '[5]'],
  ['a number', '123'],
  ['a fraction', '1.5'],
  ['"Infinity"', '"Infinity"'],
  ['"-Infinity"', '"-Infinity"'],
  ['"NaN"', '"NaN"'],
  ['1e400', '1e400'],
  ['-1e400', '-1e400'],
  ['beyond 2^53', '123456789012345678901234567890'],
  ['a NUL character', '"a\\u0000b"'],
  ['unicode', '"名前 😀 \\u202e ß"'],
  ['a lone surrogate', '"\\ud800"'],
  ['an object', '{}'],
  ['an empty string', '""'],
];

/** Whole bodies that are not what any route takes. */
const HOSTILE_BODIES: ReadonlyArray<readonly [string, string]> = [
  ['not JSON', '{"name": '],
  ['null', 'null'],
  ['an array', '[]'],
  ['a string', '"x"'],
  ['a number', '5'],
  ['an empty object', '{}'],
  ['a NUL in a property name', '{"a\\u0000": 1}'],
  ['__proto__', '{"__proto__": {"polluted": true} }'],
  ['nested 10,000 deep', `${'['.repeat(10_000)}${']'.repeat(10_000)}`],
  ['nested objects 200 deep', `${'{"a":'.repeat(200)}1${'}'.repeat(200)}`],
  ['over the body limit', JSON.stringify({ name: 'x'.repeat(1_100_000) })],
];

const uuid = randomUUID();
/** Values for a path parameter that is an id. */
const ODD_IDS = [
  uuid,
  uuid.toUpperCase(),
  `urn:uuid:${uuid}`,
  ['{', uuid, '}'].join(''),
  'not-a-uuid',
  '%00',
  encodeURIComponent('名前😀'),
  '0',
  'a'.repeat(5_000),
  encodeURIComponent("' or 1=1 --"),
];

interface Route {
  method: string;
  path: string;
}

/** The routes of the app, from its own route tree (printRoutes), probes and HEAD aside. */
function routesOf(app: App): Route[] {
  const routes: Route[] = [];
  const segments: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[└├]── (.*?)(?: \(([^)]*)\))?$/u.exec(line.replace(/\s+$/, ''));
    if (!match) continue;
    const depth = match[1]!.length / 4;
    segments.length = depth;
    segments.push(match[2]!);
    for (const method of (match[3] ?? '').split(', ').filter((name) => name && name !== '-' && name !== 'HEAD' && name !== 'OPTIONS')) {
      routes.push({ method, path: segments.join('') });
    }
  }
  return routes.filter((route) => !/^\/(livez|readyz|startupz|healthz|metrics)/.test(route.path));
}

describe('every route against hostile input', { skip: fuzzSkip }, () => {
  let target: FuzzTarget;
  let app: FuzzTarget['app'];
  const failures: string[] = [];

  before(async () => {
    target = await startFuzzTarget();
    app = target.app;
  });

  after(async () => {
    await target?.close();
  });

  /** Per collection, the record requests are aimed at; replaced after a request that may have changed or deleted it. */
  const aimed = new Map<string, { id: string; etag: string }>();
  const collectionOf = (path: string): string => `/${path.split('/')[1] ?? ''}`;

  /** A record to aim at: the example's from the target, any other collection's (added resources) through its own POST. */
  async function existingIn(collection: string): Promise<{ id: string; etag: string }> {
    const schema = bodySchemas.get(`POST ${collection}`) as Record<string, any> | undefined;
    if (collection === target.collection || schema === undefined) return target.existing();
    const created = await app.inject({ method: 'POST', url: collection, payload: validExample(schema) as Record<string, unknown> });
    assert.equal(created.statusCode, 201, `POST ${collection} with a valid body: ${created.body}`);
    return { id: created.json().id, etag: String(created.headers.etag) };
  }

  async function send(route: Route, url: string, payload: string | undefined, headers: Record<string, string>, what: string): Promise<void> {
    const response = await app.inject({
      method: route.method as 'GET',
      url,
      headers: { ...headers, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(payload === undefined ? {} : { payload }),
    });
    if (response.statusCode < 300 && route.method !== 'GET') aimed.delete(collectionOf(route.path));
    if (response.statusCode >= 500) failures.push(`${route.method} ${url.slice(0, 120)} with ${what}: ${response.statusCode} ${response.body.slice(0, 300)}`);
    if (response.statusCode < 300 && payload !== undefined && response.headers['content-type']?.includes('json')) {
      // Nothing silently changed: what was sent comes back as sent.
      const sent = JSON.parse(payload) as Record<string, unknown>;
      const answered = response.json() as Record<string, unknown>;
      for (const [key, value] of Object.entries(sent ?? {})) {
        if (key in answered && JSON.stringify(answered[key]) !== JSON.stringify(value)) {
          failures.push(`${route.method} ${route.path} with ${what}: accepted and changed ${key} from ${JSON.stringify(value)} to ${JSON.stringify(answered[key])}`);
        }
      }
    }
  }

  async function requestFor(route: Route): Promise<{ url: string; headers: Record<string, string> }> {
    const collection = collectionOf(route.path);
    const record = aimed.get(collection) ?? (await existingIn(collection));
    aimed.set(collection, record);
    const { id, etag } = record;
    // :id is the record's; any other parameter (a status id) a fresh uuid.
    const url = route.path.replace(/:[A-Za-z]+/g, (parameter) => (parameter === ':id' ? id : randomUUID()));
    return { url, headers: { 'if-match': etag, authorization: `Bearer ${FUZZ_ADMIN_TOKEN}` } };
  }

  it('answers no hostile request with a 5xx and changes nothing it accepted', { timeout: 120_000 }, async () => {
    // Ready: every route's validators compiled, so bodySchemas knows them all.
    await app.ready();
    const routes = routesOf(app);
    process.stdout.write(`fuzzing ${routes.length} routes: ${routes.map((route) => `${route.method} ${route.path}`).join(', ')}\n`);
    assert.ok(routes.length > 0, 'no routes found in printRoutes()');
    // The admin API last: a body it accepts changes the settings every other route reads.
    routes.sort((a, b) => Number(a.path.startsWith('/admin')) - Number(b.path.startsWith('/admin')));
    for (const route of routes) {
      const schema = bodySchemas.get(`${route.method} ${route.path}`) as Record<string, any> | undefined;
      const valid = target.validBodies[`${route.method} ${route.path}`] ?? (schema?.type === 'object' ? (validExample(schema) as Record<string, unknown>) : undefined);
      const takesBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
      // Odd ids in every id position.
      for (const parameter of route.path.match(/:[A-Za-z]+/g) ?? []) {
        for (const odd of ODD_IDS) {
          const { url, headers } = await requestFor(route);
          const id = new URL(url, 'http://x').pathname.split('/')[2] ?? uuid;
          const oddUrl = route.path.replace(/:[A-Za-z]+/g, (name) => (name === parameter ? odd : name === ':id' ? id : randomUUID()));
          await send(route, oddUrl, takesBody ? JSON.stringify(valid ?? {}) : undefined, headers, `${parameter}=${odd.slice(0, 40)}`);
        }
      }
      // Odd headers a client controls.
      for (const [name, value] of [
        ['if-match', 'W/"x", *, "1e400"'],
        ['if-match', '"Infinity"'],
        ['idempotency-key', `urn:uuid:${randomUUID()}`],
        ['idempotency-key', 'x'.repeat(300)],
        ['if-none-match', '"-1"'],
      ] as const) {
        const { url, headers } = await requestFor(route);
        await send(route, url, takesBody ? JSON.stringify(valid ?? {}) : undefined, { ...headers, [name]: value }, `header ${name}: ${value.slice(0, 40)}`);
      }
      // Odd query strings.
      for (const query of [
        'limit=Infinity',
        'limit=1e400',
        'limit=-Infinity',
        'offset=Infinity',
        'offset=-1e400',
        'limit=-1',
        'offset=%00',
        'limit=5&limit=6',
        'unknown=1',
      ]) {
        const { url, headers } = await requestFor(route);
        await send(route, `${url}?${query}`, takesBody ? JSON.stringify(valid ?? {}) : undefined, headers, `query ${query}`);
      }
      if (!takesBody) continue;
      for (const [label, body] of HOSTILE_BODIES) {
        const { url, headers } = await requestFor(route);
        await send(route, url, body, headers, `a body that is ${label}`);
      }
      if (valid === undefined) {
        failures.push(
          `${route.method} ${route.path} takes a body but no valid example could be built from its schema: add one to validBodies in test/http/fuzz-target.ts so it is fuzzed`,
        );
        continue;
      }
      for (const property of [...Object.keys(valid), 'unknownProperty']) {
        for (const [label, value] of HOSTILE_VALUES) {
          const { url, headers } = await requestFor(route);
          const members = [
            ...Object.entries(valid)
              .filter(([key]) => key !== property)
              .map(([key, v]) => `${JSON.stringify(key)}:${JSON.stringify(v)}`),
            `${JSON.stringify(property)}:${value}`,
          ];
          const payload = ['{', members.join(','), '}'].join('');
          await send(route, url, payload, headers, `${property} = ${label}`);
        }
      }
    }
    assert.deepEqual(failures, []);
  });

  it('reports every validation error at once, each with its property, unknown properties by name', async () => {
    const response = await app.inject({ method: 'POST', url: target.invalid.url, payload: target.invalid.payload });
    assert.equal(response.statusCode, 400);
    const { error } = response.json() as { error: { code: string; message: string; details: Array<{ in: string; property: string; message: string }> } };
    assert.equal(error.code, 'validation_failed');
    assert.deepEqual(error.details.map((detail) => `${detail.in} ${detail.property}`).sort(), ['body /colour', 'body /name', 'body /quantity']);
    assert.match(error.message, /body\/colour unknown property "colour" is not allowed/);
  });
});
