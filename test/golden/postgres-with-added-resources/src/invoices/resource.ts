/**
 * How the service mounts invoices: src/resources/index.ts lists this module, the
 * adapters build its store, and the app registers its routes.
 */
import type { MountedResource, ResourceModule } from '../resources/resource-module.ts';
import { invoicesRoutes } from './routes.ts';
import { PgInvoiceStore, type InvoiceStore } from './store.ts';

function mounted(store: InvoiceStore, start: () => Promise<void>): MountedResource {
  return {
    name: 'invoice',
    register: (app, settings) => app.register(invoicesRoutes, { store, settings }),
    start,
  };
}

export const invoiceResource: ResourceModule = {
  name: 'invoice',
  mountWithoutCache: (deps) => mounted(new PgInvoiceStore(deps.pool), async () => {}),
  mount(deps) {
    return this.mountWithoutCache(deps);
  },
};
