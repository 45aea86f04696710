import { SERVICE_IMAGES } from './service-versions.js';

/** The runtime every generated service targets; one place, so Dockerfile, engines and CI agree. */
export const GENERATED_SERVICE_RUNTIME = {
  /** Node 26 is the active LTS (since 2026-10-28): the image and CI's first leg run it. */
  nodeVersion: '26.12.1',
  nodeImage: 'node:26.12.1-bookworm-slim',
  /** Every line the service is tested on in CI (the image's first); engines admit each of them. */
  ciNodeVersions: ['26.12.1', '24.22.3'],
  /** The backup CronJob's pg_dump (and the PostgreSQL of compose.yaml and CI): at least the server's major. */
  postgresImage: SERVICE_IMAGES.postgres,
  nodeEngines: '>=24',
  /** esbuild's target: the oldest line engines admit, so the bundle runs on every one of them. */
  buildTarget: 'node24',
  port: 8080,
  uid: 10001,
  startupProbePath: '/startupz',
  livenessProbePath: '/livez',
  readinessProbePath: '/readyz',
} as const;
