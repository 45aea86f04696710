/**
 * `dynamic_settings_version`: the version of the dynamic settings this replica applies. Across
 * replicas, max - min above 0 for longer than DYNAMIC_SETTINGS_REFRESH_MS means one of them
 * cannot refresh (it keeps its last values and logs why).
 */
import { Gauge, type Registry } from 'prom-client';
import type { SettingsAdministration } from './live-settings.ts';

export function registerSettingsMetrics(registry: Registry, settings: Pick<SettingsAdministration, 'version'>): void {
  new Gauge({
    name: 'dynamic_settings_version',
    help: 'Version of the dynamic settings (the ETag of /admin/settings) this replica applies; 0 before the first read',
    registers: [registry],
    collect() {
      this.set(settings.version);
    },
  });
}
