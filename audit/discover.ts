/**
 * What a repo holds for the audit: Kustomize roots (overlays nobody else includes), plain
 * manifest files outside any kustomization, Dockerfiles and the service's source. Works on any
 * repo, not only generated ones.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, posix, relative, resolve, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { asObj } from './objects.js';
import { looksLikeManifests } from './yaml.js';
import { SOURCE_FILE, TEST_FILE } from './runtime-code.js';

const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'build', 'coverage', '.cache', 'vendor', '.next', '.turbo', '.e2e-work']);
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const MAX_FILE_BYTES = 2 * 1024 * 1024;

export interface RepoContents {
  root: string;
  /** Repo-relative directories of kustomizations that no other kustomization includes. */
  kustomizeRoots: string[];
  /** Repo-relative YAML files holding Kubernetes objects, outside any kustomization. */
  manifestFiles: string[];
  dockerfiles: string[];
  sourceFiles: string[];
  /** Directories skipped on purpose (Helm charts), for the notes. */
  skipped: string[];
}

const toPosix = (path: string): string => path.split(sep).join(posix.sep);

function walk(root: string, visit: (path: string, isDirectory: boolean) => boolean | void): void {
  const stack = [root];
  while (stack.length) {
    const directory = stack.pop() as string;
    let entries;
    try {
      entries = readdirSync(directory, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) {
        if (SKIP_DIRS.has(entry.name)) continue;
        if (visit(path, true) !== false) stack.push(path);
      } else if (entry.isFile()) visit(path, false);
    }
  }
}

/** Local directories a kustomization includes (resources, bases, components). */
function includedDirectories(kustomizationFile: string): string[] {
  let document: unknown;
  try {
    document = parseAllDocuments(readFileSync(kustomizationFile, 'utf8'), { version: '1.1' })[0]?.toJS();
  } catch {
    return [];
  }
  const spec = asObj(document);
  const entries = ['resources', 'bases', 'components'].flatMap((key) => (Array.isArray(spec[key]) ? (spec[key] as unknown[]).map(String) : []));
  const directory = dirname(kustomizationFile);
  return entries
    .filter((entry) => !/^[a-z]+:\/\/|^git@|^github\.com\//.test(entry))
    .map((entry) => resolve(directory, entry))
    .filter((path) => {
      try {
        return statSync(path).isDirectory();
      } catch {
        return false;
      }
    });
}

export function discoverRepo(root: string): RepoContents {
  const absoluteRoot = resolve(root);
  const kustomizationDirs = new Map<string, string>();
  const yamlFiles: string[] = [];
  const dockerfiles: string[] = [];
  const sourceFiles: string[] = [];
  const helmCharts: string[] = [];
  walk(absoluteRoot, (path, isDirectory) => {
    const name = basename(path);
    if (isDirectory) {
      try {
        if (readdirSync(path).includes('Chart.yaml')) {
          helmCharts.push(path);
          return false;
        }
      } catch {
        return false;
      }
      return true;
    }
    const relativePath = toPosix(relative(absoluteRoot, path));
    if (KUSTOMIZATION_FILES.includes(name)) kustomizationDirs.set(dirname(path), path);
    else if (/\.ya?ml$/.test(name)) yamlFiles.push(path);
    if (/^(Dockerfile|Containerfile)(\..+)?$|\.(Dockerfile|Containerfile)$/.test(name)) dockerfiles.push(relativePath);
    if (SOURCE_FILE.test(name) && !TEST_FILE.test(relativePath) && (relativePath.startsWith('src/') || !relativePath.includes('/'))) sourceFiles.push(relativePath);
  });

  const included = new Set<string>();
  for (const file of kustomizationDirs.values()) for (const directory of includedDirectories(file)) included.add(directory);
  const kustomizeRoots = [...kustomizationDirs.keys()].filter((directory) => !included.has(directory));

  // A YAML file belongs to a kustomization when it sits in (or under) a kustomization directory.
  const owned = (file: string): boolean => [...kustomizationDirs.keys(), ...included].some((directory) => file.startsWith(`${directory}${sep}`));
  const manifestFiles = yamlFiles
    .filter((file) => !owned(file))
    .filter((file) => {
      try {
        return statSync(file).size <= MAX_FILE_BYTES && looksLikeManifests(readFileSync(file, 'utf8'));
      } catch {
        return false;
      }
    })
    .map((file) => toPosix(relative(absoluteRoot, file)));

  return {
    root: absoluteRoot,
    kustomizeRoots: kustomizeRoots.map((directory) => toPosix(relative(absoluteRoot, directory)) || '.').sort(),
    manifestFiles: manifestFiles.sort(),
    dockerfiles: dockerfiles.sort(),
    sourceFiles: sourceFiles.sort(),
    skipped: helmCharts.map((directory) => toPosix(relative(absoluteRoot, directory))),
  };
}
