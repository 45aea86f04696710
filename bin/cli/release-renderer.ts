/**
 * The renderer of the microforge release a repo was generated with, so `upgrade` can render the
 * previous generation again and merge the user's edits three ways. Found, in order: unpacked
 * under MICROFORGE_RELEASES_DIR/<version>/; in the user's cache ($XDG_CACHE_HOME/microforge or
 * ~/.cache/microforge, releases/<version>/); else fetched from the npm registry with pacote (the
 * user's npm configuration, integrity-checked) into that cache. A release loads through its
 * package's stable "./renderer" export; 0.1.0 predates it (and its bundle), so its compiled
 * render.js is loaded and its runtime dependencies installed next to it once.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { GENERATOR_PACKAGE_NAME } from '../../generators/lib/package-root.js';
import type { RenderedTree } from '../../generators/lib/render.js';
import type { ServiceSpec } from '../../generators/lib/spec.js';
import { userCacheDir } from '../../generators/lib/user-cache.js';

export type RenderRepo = (spec: ServiceSpec, generatorVersion?: string) => RenderedTree;

/** The file a release's renderer lives in: its "./renderer" export, else 0.1.0's layout. */
export function rendererEntry(releaseRoot: string): string {
  const manifest = JSON.parse(readFileSync(join(releaseRoot, 'package.json'), 'utf8')) as { exports?: Record<string, unknown> };
  const exported = manifest.exports?.['./renderer'];
  const entry = typeof exported === 'string' ? exported : 'dist/generators/lib/render.js';
  return join(releaseRoot, entry);
}

const READY = '.microforge-ready';

/** Fetches create-microforge@version into the cache; returns the unpacked package's root. */
async function fetchRelease(version: string, cacheRoot: string, options: { env: NodeJS.ProcessEnv; notice(line: string): void }): Promise<string> {
  const { extractPackage } = await import('../../generators/lib/npm-registry.js');
  const spec = `${GENERATOR_PACKAGE_NAME}@${version}`;
  mkdirSync(cacheRoot, { recursive: true });
  const work = mkdtempSync(join(cacheRoot, `.fetch-${version}-`));
  try {
    const root = join(work, 'package');
    const { resolved } = await extractPackage(spec, root, { env: options.env, purpose: 'the 3-way merge base of this upgrade' });
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; exports?: Record<string, unknown> };
    if (!manifest.exports?.['./renderer'] && Object.keys(manifest.dependencies ?? {}).length > 0) {
      // A release before the bundle: its renderer imports its dependencies from node_modules.
      await promisify(execFile)('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'], {
        cwd: root,
        env: options.env,
        timeout: 600_000,
        maxBuffer: 16 * 1024 * 1024,
      });
    }
    writeFileSync(join(root, READY), `${resolved}\n`);
    const target = join(cacheRoot, version);
    rmSync(target, { recursive: true, force: true });
    renameSync(root, target);
    options.notice(`upgrade: fetched ${spec} (the release this repo was generated with) into ${target}`);
    return target;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The renderer of `version`, or the reason there is none (offline, unreachable registry,
 * unpublished version): the caller then merges without a base.
 */
export async function loadReleaseRenderer(version: string, options: { env?: NodeJS.ProcessEnv; notice(line: string): void }): Promise<{ renderRepo: RenderRepo } | { unavailable: string }> {
  const env = options.env ?? process.env;
  const candidates: string[] = [];
  if (env.MICROFORGE_RELEASES_DIR) candidates.push(join(env.MICROFORGE_RELEASES_DIR, version));
  const cacheRoot = join(userCacheDir(env), 'releases');
  const cached = join(cacheRoot, version);
  if (existsSync(join(cached, READY))) candidates.push(cached);
  let root = candidates.find((candidate) => existsSync(join(candidate, 'package.json')) && existsSync(rendererEntry(candidate)));
  if (!root) {
    try {
      root = await fetchRelease(version, cacheRoot, { env, notice: options.notice });
    } catch (error) {
      return { unavailable: (error as Error).message.split('\n')[0] ?? String(error) };
    }
  }
  const loaded = (await import(pathToFileURL(rendererEntry(root)).href)) as { renderRepo?: RenderRepo };
  if (typeof loaded.renderRepo !== 'function') return { unavailable: `${rendererEntry(root)} exports no renderRepo` };
  return { renderRepo: loaded.renderRepo };
}
