/**
 * Fetching packages from the npm registry the way npm itself does (pacote, npm's fetcher), with
 * the user's npm configuration (registry, scoped registries, offline, proxy) and a cache under
 * the user's cache directory. Used by `audit` (kubectl), `upgrade` (older releases) and `new`
 * (is this release published?); pacote is loaded only when used. Integrity: pacote checks every tarball against the registry's sha512, and
 * against a pinned integrity when the caller knows it.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './usage-error.js';
import { userCacheDir } from './user-cache.js';

/** The npm settings pacote needs (npm config ls: .npmrc files, npm_config_* variables, defaults). */
const RELEVANT = /^(registry|@[^:]+:registry|offline|prefer-offline|proxy|https-proxy|noproxy|strict-ssl|cafile|ca|local-address)$/;

const relevant = (all: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(all).filter(([key, value]) => RELEVANT.test(key) && value !== null && value !== ''));

/** Without a runnable npm: the npm_config_* variables npm itself would have read. */
function settingsFromEnvironment(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const entries = Object.entries(env).flatMap(([key, value]) => {
    const match = /^npm_config_(.+)$/i.exec(key);
    return match?.[1] && value !== undefined ? [[match[1].toLowerCase().replace(/_/g, '-'), value === 'true' ? true : value === 'false' ? false : value] as const] : [];
  });
  return relevant(Object.fromEntries(entries));
}

/** npm reads cafile into ca; pacote takes ca only. */
function withCertificates(settings: Record<string, unknown>): Record<string, unknown> {
  if (typeof settings.cafile !== 'string' || settings.ca) return settings;
  try {
    const pem = readFileSync(settings.cafile, 'utf8');
    return { ...settings, ca: pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [] };
  } catch {
    return settings;
  }
}

let npmSettings: Promise<Record<string, unknown>> | undefined;

function readNpmSettings(env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  npmSettings ??= new Promise<Record<string, unknown>>((resolve) => {
    execFile('npm', ['config', 'ls', '--json'], { env, timeout: 15_000, maxBuffer: 4 * 1024 * 1024 }, (error, stdout) => {
      if (error) return resolve(settingsFromEnvironment(env));
      try {
        resolve(relevant(JSON.parse(stdout) as Record<string, unknown>));
      } catch {
        resolve(settingsFromEnvironment(env));
      }
    });
  }).then(withCertificates);
  return npmSettings;
}

export interface FetchOptions {
  env?: NodeJS.ProcessEnv;
  /** Never touch the network (the flag, or npm's own offline setting). */
  offline?: boolean;
}

/**
 * Whether the registry has `spec` (name@version): false when it answers that it does not;
 * throws a one-line reason when it cannot tell (offline, unreachable, slower than `timeoutMs`).
 */
export async function isPublished(spec: string, options: FetchOptions & { timeoutMs: number }): Promise<boolean> {
  const env = options.env ?? process.env;
  const settings = await readNpmSettings(env);
  if (options.offline === true || settings.offline === true) throw new Error('offline');
  const { default: pacote } = await import('pacote');
  const registry = String(settings.registry ?? 'https://registry.npmjs.org/');
  try {
    await pacote.manifest(spec, { ...settings, registry, cache: join(userCacheDir(env), '_npm'), preferOnline: true, fetchRetries: 0, timeout: options.timeoutMs } as never);
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (code === 'E404' || code === 'ETARGET') return false;
    throw new Error(`${registry} is unreachable: ${code || (error as Error).message.split('\n')[0]}`);
  }
}

/** Unpacks `spec` (name@version) into `destination`; a failure is one line (exit 2), never a stack. */
export async function extractPackage(spec: string, destination: string, options: FetchOptions & { integrity?: string; purpose: string }): Promise<{ resolved: string; integrity: string }> {
  const env = options.env ?? process.env;
  const settings = await readNpmSettings(env);
  const { default: pacote } = await import('pacote');
  const registry = String(settings.registry ?? 'https://registry.npmjs.org/');
  try {
    const result = await pacote.extract(spec, destination, {
      ...settings,
      registry,
      ...(options.integrity ? { integrity: options.integrity } : {}),
      cache: join(userCacheDir(env), '_npm'),
      offline: options.offline === true || settings.offline === true,
      // One quick retry, then a clear message: a user is waiting on a terminal.
      fetchRetries: 1,
      fetchRetryMintimeout: 500,
      fetchRetryMaxtimeout: 2_000,
      timeout: 60_000,
    } as never);
    return { resolved: result.resolved, integrity: String(result.integrity) };
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const why =
      code === 'ENOTCACHED'
        ? 'offline, and it is not in the cache'
        : code === 'EINTEGRITY'
          ? 'its integrity check failed (the tarball is not the one published)'
          : code === 'E404' || code === 'ETARGET'
            ? `${registry} has no ${spec}`
            : `the registry ${registry} is unreachable (${code || (error as Error).message.split('\n')[0]})`;
    throw new UsageError(`cannot fetch ${spec} for ${options.purpose}: ${why}`);
  }
}
