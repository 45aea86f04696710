/**
 * The templates' files, from wherever this copy of microforge keeps them: the templates/ folder
 * of a checkout, read as rendering asks (an edited template renders without a rebuild), or the
 * one file the build packs them into (dist/bundle/templates.json), which is all the published
 * package ships of them. npm unpacks a package's files more than once while it installs it, and
 * 423 template files were about two thirds of the time a first `npm create microforge` spent
 * installing microforge.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { PACKAGE_ROOT, TEMPLATES_ROOT } from './package-root.js';

/** Paths are relative to templates/, with POSIX separators; '' is templates/ itself. */
export interface TemplateFiles {
  /** Every file under `directory`, at any depth; an error when there is no such folder. */
  filesUnder(directory: string): string[];
  /** The files directly in `directory`, sorted; none when it does not exist. */
  filesIn(directory: string): string[];
  /** The folders directly in `directory`, sorted. */
  foldersIn(directory: string): string[];
  read(path: string): Buffer;
}

export const TEMPLATE_PACK_PATH = join(PACKAGE_ROOT, 'dist', 'bundle', 'templates.json');

const byName = (left: string, right: string): number => (left < right ? -1 : left > right ? 1 : 0);

/** The files of a templates folder on disk, read when asked for. */
export function templateFilesAt(root: string): TemplateFiles {
  const entries = (directory: string) => {
    const absolute = join(root, directory);
    return existsSync(absolute) ? readdirSync(absolute, { withFileTypes: true }) : [];
  };
  const walk = (directory: string): string[] =>
    readdirSync(join(root, directory), { withFileTypes: true }).flatMap((entry) => {
      const path = posix.join(directory, entry.name);
      if (entry.isDirectory()) return walk(path);
      return entry.isFile() ? [path] : [];
    });
  return {
    filesUnder: (directory) => {
      if (!existsSync(join(root, directory))) throw new Error(`no template folder ${directory}`);
      return walk(directory);
    },
    filesIn: (directory) =>
      entries(directory)
        .filter((entry) => entry.isFile())
        .map((entry) => posix.join(directory, entry.name))
        .sort(byName),
    foldersIn: (directory) =>
      entries(directory)
        .filter((entry) => entry.isDirectory())
        .map((entry) => posix.join(directory, entry.name))
        .sort(byName),
    read: (path) => readFileSync(join(root, path)),
  };
}

/** Path → text of every file under `root`: what the build writes to TEMPLATE_PACK_PATH. */
export function packTemplates(root: string = TEMPLATES_ROOT): string {
  const files = templateFilesAt(root);
  const packed: Record<string, string> = {};
  for (const path of files.filesUnder('').sort(byName)) {
    const bytes = files.read(path);
    const text = bytes.toString('utf8');
    // The pack holds text: a file that is not UTF-8 would come back as other bytes.
    if (!Buffer.from(text, 'utf8').equals(bytes)) throw new Error(`template ${path} is not UTF-8 text, which the template pack cannot hold`);
    packed[path] = text;
  }
  return JSON.stringify(packed);
}

/** The files of a template pack (packTemplates), all in memory. */
export function packedTemplateFiles(packed: Readonly<Record<string, string>>): TemplateFiles {
  const paths = Object.keys(packed).sort(byName);
  const under = (directory: string): string[] => (directory === '' ? paths : paths.filter((path) => path.startsWith(`${directory}/`)));
  const rest = (directory: string, path: string) => (directory === '' ? path : path.slice(directory.length + 1));
  return {
    filesUnder: (directory) => {
      const files = under(directory);
      if (files.length === 0) throw new Error(`no template folder ${directory}`);
      return files;
    },
    filesIn: (directory) => under(directory).filter((path) => !rest(directory, path).includes('/')),
    foldersIn: (directory) => {
      const folders = new Set<string>();
      for (const path of under(directory)) {
        const segments = rest(directory, path).split('/');
        if (segments.length > 1) folders.add(posix.join(directory, segments[0] as string));
      }
      return [...folders].sort(byName);
    },
    read: (path) => {
      const text = packed[path];
      if (text === undefined) throw new Error(`no template ${path}`);
      return Buffer.from(text, 'utf8');
    },
  };
}

let installed: TemplateFiles | undefined;

/** This copy's templates: the templates/ folder when there is one (a checkout), else the pack the package ships. */
export function templateFiles(): TemplateFiles {
  if (installed === undefined) {
    if (existsSync(TEMPLATES_ROOT)) installed = templateFilesAt(TEMPLATES_ROOT);
    else if (existsSync(TEMPLATE_PACK_PATH)) installed = packedTemplateFiles(JSON.parse(readFileSync(TEMPLATE_PACK_PATH, 'utf8')) as Record<string, string>);
    else throw new Error(`create-microforge at ${PACKAGE_ROOT} has no templates: neither templates/ nor dist/bundle/templates.json is there (reinstall it)`);
  }
  return installed;
}
