/**
 * Resources added with `microforge add resource`, in the order they were added. Generated from
 * the `resources` entry of .yo-rc.json: `microforge add resource` and `upgrade` rewrite it, so
 * edit the resources' own folders, not this list (see CONTRIBUTING.md to remove one).
 */
import type { MountedResource, ResourceDependencies, ResourceModule } from './resource-module.ts';

export const ADDED_RESOURCES: readonly ResourceModule[] = [];

export function mountResources(deps: ResourceDependencies): MountedResource[] {
  return ADDED_RESOURCES.map((resource) => resource.mount(deps));
}
