/**
 * Who owns each generated file, which decides what `add` and `upgrade` may do with it:
 * - generated: wiring, adapters, manifests, CI; re-rendered freely while unchanged since the
 *   last generation, otherwise merged (3-way) or reported as a conflict;
 * - user: the example domain, its tests, migrations; created once, then the user's;
 * - structured: shared JSON/YAML files several components contribute to; merged by key.
 */
import { createHash } from 'node:crypto';
import type { Component } from './component.js';
import type { TemplateContext } from './template-context.js';

export type Ownership = 'generated' | 'user' | 'structured';

const STRUCTURED_FILES = [/^package\.json$/, /^compose\.yaml$/, /(^|\/)kustomization\.yaml$/];

export type OwnershipOf = (path: string) => Ownership;

export function ownershipFor(components: readonly Component[], context: TemplateContext): OwnershipOf {
  const userPrefixes = components.flatMap((component) => component.userOwnedPaths?.(context) ?? []);
  return (path) => {
    if (STRUCTURED_FILES.some((pattern) => pattern.test(path))) return 'structured';
    if (userPrefixes.some((prefix) => path.startsWith(prefix))) return 'user';
    return 'generated';
  };
}

export function contentHash(contents: Buffer): string {
  return createHash('sha256').update(contents).digest('hex');
}
