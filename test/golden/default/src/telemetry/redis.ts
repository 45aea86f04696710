/** A client span for every Redis command (ioredis' sendCommand). */
import type { TracerProvider } from '@opentelemetry/api';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { Redis } from 'ioredis';
import { patchModule } from './patch-module.ts';

export function instrumentRedis(provider: TracerProvider): void {
  // Inside a trace only, like the database.
  patchModule(new IORedisInstrumentation({ enabled: false, requireParentSpan: true }), provider, 'ioredis', Redis);
}
