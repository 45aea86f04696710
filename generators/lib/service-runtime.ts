/** The runtime every generated service targets; one place, so Dockerfile, engines and CI agree. */
export const GENERATED_SERVICE_RUNTIME = {
  nodeVersion: '24.21.0',
  nodeImage: 'node:24.21.0-bookworm-slim',
  /** The backup CronJob's pg_dump (and the PostgreSQL of compose.yaml and CI): at least the server's major. */
  postgresImage: 'postgres:17.6-bookworm',
  nodeEngines: '>=22.18',
  port: 8080,
  uid: 10001,
  startupProbePath: '/startupz',
  livenessProbePath: '/livez',
  readinessProbePath: '/readyz',
} as const;
