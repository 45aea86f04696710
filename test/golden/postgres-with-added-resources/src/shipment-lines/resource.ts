/**
 * How the service mounts shipmentLines: src/resources/index.ts lists this module, the
 * adapters build its store, and the app registers its routes.
 */
import type { ResourceModule } from '../resources/resource-module.ts';
import { shipmentLinesRoutes } from './routes.ts';
import { PgShipmentLineStore } from './store.ts';

export const shipmentLineResource: ResourceModule = {
  name: 'shipment-line',
  mount(deps) {
    const store = new PgShipmentLineStore(deps.pool);
    return {
      name: 'shipment-line',
      register: (app, settings) => app.register(shipmentLinesRoutes, { store, settings }),
      start: async () => {},
    };
  },
};
