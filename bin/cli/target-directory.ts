/**
 * Where a new repo goes, and how it gets there without ever leaving half of it behind: a fresh
 * or empty target is filled in a hidden staging directory beside it and moved in only when
 * everything is written.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../../generators/lib/usage-error.js';

/** Entries that do not make a directory "non-empty": an existing git repo is a fine home. */
const IGNORABLE_ENTRIES = new Set(['.git']);

export interface TargetDirectory {
  path: string;
  name: string;
  exists: boolean;
  /** Exists with entries other than the ignorable ones. */
  occupied: boolean;
}

export function inspectTarget(directory: string): TargetDirectory {
  const path = resolve(directory);
  const name = basename(path);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { path, name, exists: false, occupied: false };
    throw new UsageError(`cannot use ${path} as the target directory (${(error as NodeJS.ErrnoException).code})`);
  }
  if (!isDirectory) throw new UsageError(`${path} exists and is not a directory`);
  const occupied = readdirSync(path).some((entry) => !IGNORABLE_ENTRIES.has(entry));
  return { path, name, exists: true, occupied };
}

export function assertUsableTarget(target: TargetDirectory, force: boolean): void {
  if (target.occupied && !force) {
    throw new UsageError(`${target.path} is not empty; choose another directory or pass --force to overwrite the files microforge renders`);
  }
}

function nearestExistingAncestor(path: string): string {
  let candidate = dirname(path);
  for (;;) {
    try {
      if (statSync(candidate).isDirectory()) return candidate;
    } catch {
      // keep walking up
    }
    const parent = dirname(candidate);
    if (parent === candidate) return candidate;
    candidate = parent;
  }
}

/** A hidden directory on the same filesystem as the target, so the final move is a rename. */
export function createStagingDirectory(target: TargetDirectory): string {
  // Not mkdtemp: that makes 0700, and the repo should get the permissions any new directory gets.
  const staging = join(nearestExistingAncestor(target.path), `.microforge-${target.name}-${randomBytes(6).toString('hex')}`);
  mkdirSync(staging);
  return staging;
}

export function moveStagedInto(staging: string, target: TargetDirectory): void {
  if (!target.exists) {
    mkdirSync(dirname(target.path), { recursive: true });
    renameSync(staging, target.path);
    return;
  }
  for (const entry of readdirSync(staging)) renameSync(join(staging, entry), join(target.path, entry));
  rmdirSync(staging);
}

export function discardStaging(staging: string): void {
  rmSync(staging, { recursive: true, force: true });
}
