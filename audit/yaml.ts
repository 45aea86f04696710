/**
 * Manifests are read with YAML 1.1 semantics, as Go tools (kubectl, kustomize, the API server's
 * sigs.k8s.io/yaml) read them: an unquoted `yes`, `on`, `n` or `off` is a boolean there, so it is
 * one here too, and the schema check reports it where a string belongs.
 */
import { parseAllDocuments, stringify } from 'yaml';
import { isObj } from './objects.js';
import type { ManifestObject, Obj } from './model.js';

export class ManifestParseError extends Error {}

export function parseManifests(text: string, source: string): ManifestObject[] {
  const objects: ManifestObject[] = [];
  for (const document of parseAllDocuments(text, { version: '1.1', merge: true, uniqueKeys: true })) {
    const problem = document.errors[0];
    if (problem) throw new ManifestParseError(`${source}: ${problem.message.split('\n')[0]}`);
    const value: unknown = document.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    if (!isObj(value)) throw new ManifestParseError(`${source}: a document is not a mapping`);
    // A List (what `kubectl get -o yaml` prints) holds the objects in items.
    if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
      for (const item of value.items) if (isObj(item)) objects.push({ raw: item, source });
      continue;
    }
    objects.push({ raw: value, source });
  }
  return objects;
}

/** YAML 1.1 output: strings that a Go tool would read as booleans or numbers stay quoted. */
export function emitManifest(object: Obj): string {
  return stringify(object, { version: '1.1', lineWidth: 0 });
}

/** Whether a YAML text looks like Kubernetes objects (some document has apiVersion and kind). */
export function looksLikeManifests(text: string): boolean {
  return /^apiVersion:\s*\S/m.test(text) && /^kind:\s*\S/m.test(text);
}
