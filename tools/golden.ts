/**
 * Golden sample repos (as kubebuilder keeps its testdata): a few scenarios rendered and committed
 * under test/golden/<scenario>/, so a template change shows in review as a change to real output.
 *
 *   node dist/tools/golden.js            regenerate every sample
 *   node dist/tools/golden.js --check    exit 0 when the samples equal a fresh render, 1 naming the differing files
 *   --dir DIR                            samples somewhere else (tests)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { renderRepo } from '../generators/lib/render.js';
import { PACKAGE_ROOT } from '../generators/lib/package-root.js';
import { parseField } from '../generators/lib/resource-spec.js';
import { completeSpec, type ServiceSpec } from '../generators/lib/spec.js';
import { writeTree } from './write-tree.js';

export const GOLDEN_ROOT = join(PACKAGE_ROOT, 'test', 'golden');

/** The scenarios issue 15 names, and one with added resources (issue 19); everything not given takes the CLI's default. */
export const GOLDEN_SCENARIOS: Readonly<Record<string, Partial<ServiceSpec>>> = {
  default: {},
  'stateless-without-messaging': { storage: 'none', messaging: 'none' },
  'nats-memory-cache': { cache: 'memory', broker: 'nats' },
  'at-most-once-without-storage': { storage: 'none', messaging: 'at-most-once' },
  // Two resources added with `microforge add resource` (every field type, required and optional), as it numbered them.
  'postgres-with-added-resources': {
    cache: 'none',
    messaging: 'none',
    resources: [
      { name: 'invoice', fields: ['title:string', 'body:text?', 'count:integer', 'price:number?', 'paid:boolean', 'dueAt:timestamp?', 'ownerId:uuid'].map(parseField), migration: 5 },
      { name: 'shipment-line', fields: ['label:string?', 'notes:text', 'quantity:integer?', 'weight:number', 'done:boolean?', 'shippedAt:timestamp', 'ref:uuid?'].map(parseField), migration: 6 },
    ],
  },
};

export function renderScenario(choices: Partial<ServiceSpec>): ReadonlyMap<string, Buffer> {
  return renderRepo(completeSpec({ name: 'orders', resource: 'order', ...choices }, 'orders'));
}

function filesUnder(directory: string): string[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(directory, join(entry.parentPath, entry.name)).split(sep).join('/'));
}

/** Paths (scenario/file) where the committed samples and a fresh render differ: changed, missing or extra. */
export function goldenDifferences(root: string = GOLDEN_ROOT): string[] {
  const differences: string[] = [];
  const scenarios = new Set(Object.keys(GOLDEN_SCENARIOS));
  for (const entry of existsSync(root) ? readdirSync(root) : []) {
    if (!scenarios.has(entry)) differences.push(`${entry}/ (not a scenario)`);
  }
  for (const [scenario, choices] of Object.entries(GOLDEN_SCENARIOS)) {
    const rendered = renderScenario(choices);
    const directory = join(root, scenario);
    const committed = new Set(filesUnder(directory));
    for (const [path, contents] of rendered) {
      if (!committed.has(path)) differences.push(`${scenario}/${path} (missing)`);
      else if (!readFileSync(join(directory, path)).equals(contents)) differences.push(`${scenario}/${path}`);
      committed.delete(path);
    }
    for (const path of committed) differences.push(`${scenario}/${path} (not rendered any more)`);
  }
  return differences.sort();
}

export function regenerateGolden(root: string = GOLDEN_ROOT): void {
  for (const [scenario, choices] of Object.entries(GOLDEN_SCENARIOS)) writeTree(renderScenario(choices), join(root, scenario));
}
