/**
 * What `add docker|kubernetes` needs to know about a Node.js service microforge did not
 * generate, read from its package.json and code: how it starts, what it builds, which port it
 * listens on, and which endpoints can serve as probes. Anything it cannot tell for sure is
 * left undefined, with the reason, for a flag or a prompt to fill.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { serviceNameProblem } from '../generators/lib/spec.js';
import { UsageError } from '../generators/lib/usage-error.js';

export interface DetectedService {
  name: string | undefined;
  /** The exec-form command, e.g. ["node", "dist/server.js"]. */
  command: string[] | undefined;
  commandSource: string;
  hasBuildScript: boolean;
  buildOutput: string;
  port: number | undefined;
  portSource: string;
  liveness: string | undefined;
  readiness: string | undefined;
  startup: string | undefined;
  /** Every probe-like route found in the code, for the message when the choice is unclear. */
  routesFound: string[];
}

const SOURCE_EXTENSIONS = /\.(?:[cm]?[jt]s)$/;
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git', 'dist', 'build', 'coverage', 'test', 'tests', '__tests__', '.cache']);
const MAX_SOURCE_FILES = 2_000;

function sourceFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (directory: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      if (files.length >= MAX_SOURCE_FILES) return;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name)) walk(join(directory, entry.name));
      } else if (SOURCE_EXTENSIONS.test(entry.name) && !/\.(test|spec)\./.test(entry.name)) {
        files.push(join(directory, entry.name));
      }
    }
  };
  walk(root);
  return files;
}

/** `@acme/Orders_API` → `orders-api`: the closest DNS-1123 label, or undefined. */
export function serviceNameFrom(packageName: string | undefined): string | undefined {
  if (!packageName) return undefined;
  const candidate = packageName
    .replace(/^@[^/]+\//, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return candidate && !serviceNameProblem(candidate) ? candidate : undefined;
}

/** `node --enable-source-maps dist/server.js` → ["node", "--enable-source-maps", "dist/server.js"]; anything else is not exec-safe. */
export function execFormOf(script: string | undefined): string[] | undefined {
  if (!script) return undefined;
  const words = script.trim().split(/\s+/);
  if (words[0] !== 'node' || words.length < 2) return undefined;
  if (words.some((word) => /[|&;<>$`"'\\*?]/.test(word))) return undefined;
  return words;
}

const LIVENESS_ROUTES = ['/livez', '/healthz', '/health', '/liveness', '/alive', '/ping'];
const READINESS_ROUTES = ['/readyz', '/ready', '/readiness'];
const STARTUP_ROUTES = ['/startupz', '/startup', '/started'];

function probeRoutesIn(sources: readonly string[]): string[] {
  const all = [...LIVENESS_ROUTES, ...READINESS_ROUTES, ...STARTUP_ROUTES];
  const found = new Set<string>();
  for (const source of sources) {
    for (const match of source.matchAll(/['"`](\/[a-z]+)['"`]/g)) {
      if (match[1] && all.includes(match[1])) found.add(match[1]);
    }
  }
  return [...found];
}

function portIn(sources: ReadonlyArray<{ path: string; text: string }>, root: string): { port: number | undefined; source: string } {
  const candidates = new Map<number, string>();
  for (const { path, text } of sources) {
    for (const match of text.matchAll(/process\.env(?:\.PORT|\[['"]PORT['"]\])\s*(?:\|\||\?\?)\s*['"]?(\d{2,5})/g)) {
      candidates.set(Number(match[1]), `${relative(root, path)} (default of PORT)`);
    }
    for (const match of text.matchAll(/\.listen\(\s*(?:\{\s*port:\s*)?(\d{2,5})\b/g)) {
      candidates.set(Number(match[1]), `${relative(root, path)} (listen)`);
    }
  }
  if (candidates.size === 1) {
    const [[port, source]] = [...candidates] as [[number, string]];
    return { port, source };
  }
  return { port: undefined, source: candidates.size === 0 ? 'no port found in the code' : `several ports in the code: ${[...candidates.keys()].join(', ')}` };
}

/** tsconfig.json is JSON with comments and trailing commas: drop both (never inside strings), then parse. */
export function parseJsonWithComments(text: string): unknown {
  const withoutComments = text.replace(/("(?:\\.|[^"\\])*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_comment, quoted: string | undefined) => quoted ?? '');
  return JSON.parse(withoutComments.replace(/,(\s*[}\]])/g, '$1'));
}

function buildOutputOf(root: string): string {
  const tsconfig = join(root, 'tsconfig.json');
  if (!existsSync(tsconfig)) return 'dist';
  try {
    const outDir = (parseJsonWithComments(readFileSync(tsconfig, 'utf8')) as { compilerOptions?: { outDir?: string } } | null)?.compilerOptions?.outDir;
    return outDir ? outDir.replace(/^\.\//, '').replace(/\/$/, '') : 'dist';
  } catch {
    return 'dist';
  }
}

export function detectService(root: string): DetectedService {
  const manifestPath = join(root, 'package.json');
  if (!existsSync(manifestPath) || !statSync(manifestPath).isFile()) {
    throw new UsageError(`${root} has no package.json: run microforge add docker|kubernetes in the root of a Node.js service`);
  }
  let manifest: { name?: string; main?: string; scripts?: Record<string, string> };
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    throw new UsageError(`${manifestPath} is not valid JSON: ${(error as Error).message}`);
  }
  const sources = sourceFiles(root).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
  const routes = probeRoutesIn(sources.map((source) => source.text));
  const pick = (candidates: readonly string[]) => candidates.find((route) => routes.includes(route));
  const fromStart = execFormOf(manifest.scripts?.start);
  const command = fromStart ?? (manifest.main ? ['node', manifest.main] : undefined);
  const { port, source } = portIn(sources, root);
  return {
    name: serviceNameFrom(manifest.name),
    command,
    commandSource: fromStart ? 'scripts.start' : manifest.main ? 'main' : manifest.scripts?.start ? `scripts.start ('${manifest.scripts.start}') does not run node directly` : 'no start script and no main',
    hasBuildScript: typeof manifest.scripts?.build === 'string',
    buildOutput: buildOutputOf(root),
    port,
    portSource: source,
    liveness: pick(LIVENESS_ROUTES),
    readiness: pick(READINESS_ROUTES),
    startup: pick(STARTUP_ROUTES),
    routesFound: routes,
  };
}
