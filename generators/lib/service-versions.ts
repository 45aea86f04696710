/**
 * Exact versions of every package a generated service depends on. One place, so a bump is one
 * reviewed line; component modules read from here and never write a version themselves.
 */
export const SERVICE_VERSIONS = {
  // runtime
  fastify: '5.12.8',
  // response serializers (src/http/serializers.ts): the version fastify's own dependency resolves to
  '@fastify/fast-json-stringify-compiler': '5.2.0',
  '@fastify/type-provider-typebox': '6.3.0',
  typebox: '1.4.3',
  pino: '10.4.0',
  '@fastify/swagger': '9.9.3',
  'prom-client': '15.1.3',
  yaml: '2.9.1',
  // request validation (src/http/validation.ts): the same versions fastify's own compiler uses
  ajv: '8.20.0',
  'ajv-formats': '3.0.1',
  pg: '8.23.1',
  'lru-cache': '11.5.3',
  ioredis: '6.0.0',
  amqplib: '2.3.1',
  '@nats-io/transport-node': '3.4.0',
  '@nats-io/jetstream': '3.4.0',
  // tracing: the API is bundled into main.js; the SDK and instrumentations into a chunk that is
  // loaded only when an OTLP endpoint is configured (src/telemetry/). One core/sdk-trace release
  // line (3.1.0), the one the 0.301.0 exporters pin, so the bundle holds one copy of each.
  '@opentelemetry/api': '1.10.0',
  '@opentelemetry/context-async-hooks': '3.1.0',
  '@opentelemetry/core': '3.1.0',
  '@opentelemetry/resources': '3.1.0',
  '@opentelemetry/sdk-trace': '3.1.0',
  '@opentelemetry/exporter-trace-otlp-http': '0.301.0',
  '@opentelemetry/exporter-trace-otlp-proto': '0.301.0',
  '@opentelemetry/instrumentation-pg': '0.77.0',
  '@opentelemetry/instrumentation-ioredis': '0.72.0',
  // build and test
  typescript: '7.0.2',
  esbuild: '0.28.2',
  // formats the repo (`format`, `format:check` in CI); microforge renders files prettier leaves as they are
  prettier: '3.10.1',
  '@types/node': '26.6.11',
  '@types/pg': '8.23.1',
  // validates the served OpenAPI document in the service's own tests
  '@readme/openapi-parser': '9.0.0',
  // validates docs/asyncapi.yaml in the service's own tests (with messaging)
  '@asyncapi/parser': '3.6.6',
  // the embedded development database (served by the generated src/db/embedded-server.ts)
  '@electric-sql/pglite': '0.5.14',
} as const;

export type ServicePackage = keyof typeof SERVICE_VERSIONS;

/** `{ pkg: version }` for the given packages, in the order given. */
export function pinned(...packages: readonly ServicePackage[]): Record<string, string> {
  return Object.fromEntries(packages.map((pkg) => [pkg, SERVICE_VERSIONS[pkg]]));
}

/** Container images of the backing services (compose.yaml, CI service containers, the backup CronJob). */
export const SERVICE_IMAGES = {
  postgres: 'postgres:17.6-bookworm',
  redis: 'redis:7.4.6-alpine',
  rabbitmq: 'rabbitmq:4.1.4-management',
  nats: 'nats:2.11.9-alpine',
} as const;
