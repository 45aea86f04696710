/**
 * Where the running CLI was installed from, read from the lockfile npm wrote when it installed it
 * (npx's `package-lock.json`, which `npm create` uses; a project's `node_modules/.package-lock.json`). An
 * install from a registry proves the release is published there, so `new` needs no registry
 * round trip (about half a second and pacote's load) to decide how the repo runs microforge.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';

export type InstalledFrom =
  /** Resolved from a registry tarball URL. */
  | { kind: 'registry'; resolved: string }
  /** A tarball or folder on disk, or a link. */
  | { kind: 'local'; resolved: string }
  /** Not under node_modules: a source checkout (the README's quick start) or a linked build. */
  | { kind: 'checkout' }
  /** Under node_modules, but no npm lockfile names it (`npm install --global` writes none; pnpm or yarn dlx). */
  | { kind: 'unknown' };

interface LockEntry {
  resolved?: string;
  link?: boolean;
}

function lockEntry(lockfile: string, key: string): LockEntry | undefined {
  try {
    const lock = JSON.parse(readFileSync(lockfile, 'utf8')) as { packages?: Record<string, LockEntry> };
    return lock.packages?.[key];
  } catch {
    return undefined;
  }
}

export function installedFrom(packageRoot: string): InstalledFrom {
  const nodeModules = dirname(packageRoot);
  if (basename(nodeModules) !== 'node_modules' || !packageRoot.includes(`${sep}node_modules${sep}`)) return { kind: 'checkout' };
  const installRoot = dirname(nodeModules);
  const key = `node_modules/${basename(packageRoot)}`;
  for (const lockfile of [join(nodeModules, '.package-lock.json'), join(installRoot, 'package-lock.json')]) {
    const entry = lockEntry(lockfile, key);
    if (!entry) continue;
    const resolved = entry.resolved ?? '';
    return /^https?:\/\//.test(resolved) && entry.link !== true ? { kind: 'registry', resolved } : { kind: 'local', resolved: resolved || 'a link' };
  }
  return { kind: 'unknown' };
}
