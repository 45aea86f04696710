/** The libraries whose calls become spans in this service. */
import type { TracerProvider } from '@opentelemetry/api';
import { instrumentHttpServer } from './http-server.ts';
import { instrumentPostgres } from './pg.ts';

export function instrumentLibraries(provider: TracerProvider): void {
  instrumentHttpServer(provider);
  instrumentPostgres(provider);
}
