/**
 * How the service mounts shipmentLines: src/resources/index.ts lists this module, the
 * adapters build its store, and the app registers its routes.
 */
import type { MountedResource, ResourceModule } from '../resources/resource-module.ts';
import { shipmentLinesRoutes } from './routes.ts';
import { PgShipmentLineStore, type ShipmentLineStore } from './store.ts';

function mounted(store: ShipmentLineStore, start: () => Promise<void>): MountedResource {
  return {
    name: 'shipment-line',
    register: (app, settings) => app.register(shipmentLinesRoutes, { store, settings }),
    start,
  };
}

export const shipmentLineResource: ResourceModule = {
  name: 'shipment-line',
  mountWithoutCache: (deps) => mounted(new PgShipmentLineStore(deps.pool), async () => {}),
  mount(deps) {
    return this.mountWithoutCache(deps);
  },
};
