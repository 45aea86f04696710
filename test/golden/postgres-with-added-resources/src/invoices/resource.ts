/**
 * How the service mounts invoices: src/resources/index.ts lists this module, the
 * adapters build its store, and the app registers its routes.
 */
import type { ResourceModule } from '../resources/resource-module.ts';
import { invoicesRoutes } from './routes.ts';
import { PgInvoiceStore } from './store.ts';

export const invoiceResource: ResourceModule = {
  name: 'invoice',
  mount(deps) {
    const store = new PgInvoiceStore(deps.pool);
    return {
      name: 'invoice',
      register: (app, settings) => app.register(invoicesRoutes, { store, settings }),
      start: async () => {},
    };
  },
};
