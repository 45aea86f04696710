/**
 * What `add` and `upgrade` will do to each file, decided before anything is written: pure, so
 * --dry-run, --json and the real run all show the same plan.
 */
import { parseGenerationRecord } from './generation-record.js';
import { mergeFile, type MergeLabels } from './merge.js';
import { contentHash, type Ownership } from './ownership.js';
import { YO_RC_PATH, type GenerationRecord, type RenderedTree } from './render.js';

/** What happens to a conflict: asked about (Yeoman's conflicter), merged with markers, overwritten, or skipped. */
export type ConflictResolution = 'ask' | 'merge' | 'force' | 'skip';

export type ChangeKind =
  /** A file the repo does not have yet. */
  | 'create'
  /** Unchanged by the user since the last generation: replaced by the new render. */
  | 'update'
  /** No longer rendered and unchanged by the user. */
  | 'delete'
  /** Changed by the user and by the templates, merged cleanly. */
  | 'merge'
  /** Changed by both in the same place. */
  | 'conflict'
  /** The user's file, left as it is (user-owned and changed, or removed from the templates but changed). */
  | 'keep';

export interface PlannedChange {
  path: string;
  kind: ChangeKind;
  owner: Ownership;
  /** What to write for create/update/merge, and the merge with conflict markers for conflict. */
  contents?: Buffer;
  /** The new render, for a conflict resolved by --force or by asking. */
  rendered?: Buffer;
  /** One line for the user: why this happens. */
  reason: string;
  conflicts?: string[];
}

export interface PlanInput {
  previous: GenerationRecord;
  /** The previous generation rendered again; files whose hash differs from the record are not used as a base. */
  base: RenderedTree | undefined;
  next: RenderedTree;
  current(path: string): Buffer | undefined;
  labels: MergeLabels;
}

function pristineBase(input: PlanInput, path: string): string | undefined {
  const rendered = input.base?.get(path);
  const recorded = input.previous.files[path];
  return rendered && recorded && contentHash(rendered) === recorded.sha256 ? rendered.toString('utf8') : undefined;
}

function planRendered(input: PlanInput, path: string, rendered: Buffer, owner: Ownership): PlannedChange | undefined {
  const current = input.current(path);
  const recorded = input.previous.files[path];
  if (current === undefined) {
    if (recorded && owner === 'user') return { path, kind: 'keep', owner, reason: 'you deleted this file of yours; it stays deleted' };
    return { path, kind: 'create', owner, contents: rendered, reason: recorded ? 'missing: rendered again' : 'new' };
  }
  if (current.equals(rendered)) return undefined;
  const changedByUser = !recorded || contentHash(current) !== recorded.sha256;
  if (!changedByUser) return { path, kind: 'update', owner, contents: rendered, reason: 'unchanged since the last generation' };
  if (owner === 'user') return { path, kind: 'keep', owner, reason: 'yours and changed by you: left as it is' };
  const merged = mergeFile(path, owner === 'structured', pristineBase(input, path), current.toString('utf8'), rendered.toString('utf8'), input.labels);
  const contents = Buffer.from(merged.contents, 'utf8');
  if (merged.conflicts.length === 0) {
    return contents.equals(current) ? undefined : { path, kind: 'merge', owner, contents, reason: 'your changes and the new render merged' };
  }
  return { path, kind: 'conflict', owner, contents, rendered, conflicts: merged.conflicts, reason: `you and the templates changed the same ${owner === 'structured' ? 'keys' : 'lines'}` };
}

export function planUpdate(input: PlanInput): PlannedChange[] {
  // Files added to a repo microforge did not generate (adopting a service) have no record: all generated.
  const nextRecord = input.next.get(YO_RC_PATH);
  const owners = nextRecord ? parseGenerationRecord(nextRecord.toString('utf8'), 'the new render').files : {};
  const changes: PlannedChange[] = [];
  for (const [path, rendered] of input.next) {
    if (path === YO_RC_PATH) continue;
    const change = planRendered(input, path, rendered, owners[path]?.owner ?? 'generated');
    if (change) changes.push(change);
  }
  for (const [path, recorded] of Object.entries(input.previous.files)) {
    if (input.next.has(path)) continue;
    const current = input.current(path);
    if (current === undefined) continue;
    changes.push(
      contentHash(current) === recorded.sha256
        ? { path, kind: 'delete', owner: recorded.owner, reason: 'no longer rendered for these choices' }
        : { path, kind: 'keep', owner: recorded.owner, reason: 'no longer rendered, but changed by you: left as it is' },
    );
  }
  const record = input.next.get(YO_RC_PATH);
  if (record && !input.current(YO_RC_PATH)?.equals(record)) {
    changes.push({ path: YO_RC_PATH, kind: 'update', owner: 'generated', contents: record, reason: 'the choices and file record' });
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
