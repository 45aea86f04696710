/**
 * Three-way merges for `add` and `upgrade`: base is what microforge rendered last time, ours is
 * the file in the repo (with the user's edits), theirs is the new render. Text files merge by
 * lines (standard conflict markers where both sides changed the same lines); JSON and YAML
 * merge by key, so a dependency added by the user and one added by a component both survive.
 */
import { isDeepStrictEqual } from 'node:util';
import { mergeDiff3 } from 'node-diff3';
import { parseDocument, type Document } from 'yaml';
import { sortedByDependencyName } from './dependency-order.js';

export interface MergeOutcome {
  contents: string;
  /** Where both sides changed the same thing differently; empty when the merge is clean. */
  conflicts: string[];
}

export interface MergeLabels {
  ours: string;
  base: string;
  theirs: string;
}

export function mergeText(base: string | undefined, ours: string, theirs: string, labels: MergeLabels): MergeOutcome {
  // Without the pristine base every difference is a conflict: the honest answer, not a guess.
  const merged = mergeDiff3(ours, base ?? '', theirs, { stringSeparator: '\n', label: { a: labels.ours, o: labels.base, b: labels.theirs } });
  const conflicts = merged.conflict ? countConflicts(merged.result).map((line) => `lines near ${line}`) : [];
  return { contents: merged.result.join('\n'), conflicts };
}

function countConflicts(lines: string[]): number[] {
  return lines.flatMap((line, index) => (line.startsWith('<<<<<<< ') ? [index + 1] : []));
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Absent = undefined;

const isRecord = (value: unknown): value is Record<string, Json> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isScalarArray = (value: unknown): value is Array<string | number | boolean> =>
  Array.isArray(value) && value.every((item) => typeof item !== 'object' || item === null);

const IDENTITY_KEYS = ['name', 'path'];
const keyOf = (item: Record<string, Json>): string => String(IDENTITY_KEYS.map((key) => item[key]).find((value) => typeof value === 'string'));
const isKeyedList = (value: unknown): value is Array<Record<string, Json>> =>
  Array.isArray(value) && value.length > 0 && value.every((item) => isRecord(item) && IDENTITY_KEYS.some((key) => typeof item[key] === 'string'));

/** Merges plain data; `undefined` means the key is absent on that side. */
export function mergeValues(base: Json | Absent, ours: Json | Absent, theirs: Json | Absent, path: string[] = [], conflicts: string[] = []): Json | Absent {
  if (isDeepStrictEqual(ours, theirs)) return ours;
  if (isDeepStrictEqual(base, ours)) return theirs;
  if (isDeepStrictEqual(base, theirs)) return ours;
  if (isRecord(ours) && isRecord(theirs)) {
    const baseRecord = isRecord(base) ? base : {};
    const merged: Record<string, Json> = {};
    for (const key of new Set([...Object.keys(ours), ...Object.keys(theirs)])) {
      const value = mergeValues(baseRecord[key], ours[key], theirs[key], [...path, key], conflicts);
      if (value !== undefined) merged[key] = value;
    }
    return merged;
  }
  if (isKeyedList(ours) && isKeyedList(theirs)) {
    // Lists of named things (compose services' ports aside: containers, patches, images): by name.
    const baseList = isKeyedList(base) ? base : [];
    const names = [...new Set([...ours.map(keyOf), ...theirs.map(keyOf)])];
    return names.flatMap((name) => {
      const find = (list: Array<Record<string, Json>>) => list.find((item) => keyOf(item) === name);
      const value = mergeValues(find(baseList), find(ours), find(theirs), [...path, `[${name}]`], conflicts);
      return value === undefined ? [] : [value];
    });
  }
  if (isScalarArray(ours) && isScalarArray(theirs)) {
    // Lists of names (resources, dependencies): keep the user's order, drop what the template
    // dropped, append what it added.
    const baseItems = isScalarArray(base) ? base : [];
    const removed = baseItems.filter((item) => !theirs.includes(item));
    const added = theirs.filter((item) => !baseItems.includes(item) && !ours.includes(item));
    return [...ours.filter((item) => !removed.includes(item)), ...added];
  }
  conflicts.push(path.join('.') || '(whole document)');
  return ours;
}

const DEPENDENCY_KEYS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];

function sortDependencies(manifest: Json | Absent): Json | Absent {
  if (!isRecord(manifest)) return manifest;
  const sorted: Record<string, Json> = { ...manifest };
  for (const key of DEPENDENCY_KEYS) {
    const dependencies = sorted[key];
    if (isRecord(dependencies)) sorted[key] = sortedByDependencyName(dependencies);
  }
  return sorted;
}

export function mergeJson(path: string, base: string | undefined, ours: string, theirs: string): MergeOutcome {
  const conflicts: string[] = [];
  let merged = mergeValues(base === undefined ? undefined : (JSON.parse(base) as Json), JSON.parse(ours) as Json, JSON.parse(theirs) as Json, [], conflicts);
  // npm keeps dependencies sorted; so does a fresh render.
  if (path.endsWith('package.json')) merged = sortDependencies(merged);
  return { contents: `${JSON.stringify(merged, null, 2)}\n`, conflicts };
}

/** Writes the merged value into the user's own document, so their comments and layout survive. */
function applyToDocument(document: Document, path: string[], current: unknown, merged: unknown): void {
  if (isRecord(current) && isRecord(merged)) {
    for (const key of Object.keys(current)) if (!(key in merged)) document.deleteIn([...path, key]);
    for (const [key, value] of Object.entries(merged)) applyToDocument(document, [...path, key], current[key], value);
    return;
  }
  if (!isDeepStrictEqual(current, merged)) document.setIn(path, merged);
}

export function mergeYaml(base: string | undefined, ours: string, theirs: string): MergeOutcome {
  const conflicts: string[] = [];
  const oursDocument = parseDocument(ours);
  const oursValue = oursDocument.toJS() as Json;
  const merged = mergeValues(base === undefined ? undefined : (parseDocument(base).toJS() as Json), oursValue, parseDocument(theirs).toJS() as Json, [], conflicts);
  applyToDocument(oursDocument, [], oursValue, merged);
  return { contents: oursDocument.toString(), conflicts };
}

/**
 * Shared structured files (package.json, kustomization.yaml, compose.yaml) merge by key; every
 * other file by lines, where a reviewer expects to see conflict markers.
 */
export function mergeFile(path: string, byKey: boolean, base: string | undefined, ours: string, theirs: string, labels: MergeLabels): MergeOutcome {
  if (byKey) {
    try {
      if (path.endsWith('.json')) return mergeJson(path, base, ours, theirs);
      if (path.endsWith('.yaml') || path.endsWith('.yml')) return mergeYaml(base, ours, theirs);
    } catch {
      // A structured file the user broke (invalid JSON/YAML) still merges, as text.
    }
  }
  return mergeText(base, ours, theirs, labels);
}
