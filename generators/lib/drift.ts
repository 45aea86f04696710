/**
 * Drift: generator-owned files of a repo that differ from what this version renders for the
 * repo's own choices, i.e. edited by hand. `upgrade` would keep such edits (it merges 3-way), so
 * the update plan shows nothing; but each one is a future conflict and a place where the repo
 * no longer matches its templates, which `upgrade --check` exists to catch. User-owned files
 * (the example domain, its tests, migrations) and structured files (package.json, compose.yaml,
 * kustomizations: merged by key, extended by users) are not drift.
 */
import { parseGenerationRecord } from './generation-record.js';
import { YO_RC_PATH, type RenderedTree } from './render.js';

export interface DriftedFile {
  path: string;
  reason: string;
}

export function generatedDrift(rendered: RenderedTree, current: (path: string) => Buffer | undefined): DriftedFile[] {
  const record = rendered.get(YO_RC_PATH);
  const owners = record ? parseGenerationRecord(record.toString('utf8'), 'the render').files : {};
  const drifted: DriftedFile[] = [];
  for (const [path, contents] of rendered) {
    if (path === YO_RC_PATH || (owners[path]?.owner ?? 'generated') !== 'generated') continue;
    const onDisk = current(path);
    // A missing file is in the update plan already (rendered again).
    if (onDisk !== undefined && !onDisk.equals(contents)) drifted.push({ path, reason: 'generator-owned, edited by hand' });
  }
  return drifted;
}

/** Why drift matters, for the check's output. */
export const DRIFT_EXPLANATION =
  'The next `microforge upgrade` merges template changes into these files 3-way and stops on a conflict where both ' +
  'changed the same lines; keep lasting changes in files you own (or a kustomize overlay), or bring them back into the templates.';
