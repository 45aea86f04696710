/** The app test/http/input-fuzz.test.ts attacks, without storage: the stateless routes. */
import { randomUUID } from 'node:crypto';
import type { App } from '../../src/http/app.ts';
import { testApp } from '../helpers.ts';

export const FUZZ_ADMIN_TOKEN = 'fuzz-admin-token';

export interface FuzzTarget {
  app: App;
  validBodies: Record<string, Record<string, unknown>>;
  existing(): Promise<{ id: string; etag: string }>;
  /** The collection existing() creates in; the fuzz makes records of other collections through their own POST. */
  collection: string;
  invalid: { url: string; payload: Record<string, unknown> };
  close(): Promise<void>;
}

export const fuzzSkip = false;

export async function startFuzzTarget(): Promise<FuzzTarget> {
  const app = await testApp();
  return {
    app,
    collection: '/orders',
    validBodies: {},
    existing: async () => ({ id: randomUUID(), etag: '"1"' }),
    invalid: { url: '/orders/quote', payload: { name: 5, quantity: '5', unitPriceCents: 1, colour: 'red' } },
    close: () => app.close(),
  };
}
