/**
 * How the CLI writes to an existing repo: through Yeoman's mem-fs and the same commit pipeline
 * yeoman-environment uses (.yo-resolve, forced .yo-rc.json, the conflicter, the commit
 * transform), without loading yeoman-environment or yeoman-generator: importing them costs about
 * 1.2 s of CPU (about 2,000 modules) that none of the commands uses. Inquirer (through
 * @yeoman/adapter) loads only when a person is asked something.
 */
import { chmodSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Transform, Writable } from 'node:stream';

type TerminalAdapter = import('@yeoman/adapter').TerminalAdapter;

/** Takes Yeoman's own log (per-file "create" lines): the CLI reports once, itself. */
function discardingStream(): NodeJS.WriteStream {
  return new Writable({ write: (_chunk, _encoding, done) => done() }) as unknown as NodeJS.WriteStream;
}

let promptingAdapter: Promise<TerminalAdapter> | undefined;

/** Yeoman's terminal adapter for prompts (log discarded), created on first use. */
export function loadTerminalAdapter(): Promise<TerminalAdapter> {
  promptingAdapter ??= import('@yeoman/adapter').then(
    ({ TerminalAdapter }) => new TerminalAdapter({ stdin: process.stdin, stdout: process.stdout, stderr: discardingStream() }),
  );
  return promptingAdapter;
}

/** A logger that accepts every Yeoman log call (create, force, conflict, writeln, info, ...) and drops it. */
function silentLogger(): unknown {
  const log: unknown = new Proxy(() => log, { get: (_target, property) => (property === 'then' ? undefined : log) });
  return log;
}

/** Log dropped; a question (a conflict without --force) goes to the terminal adapter, loaded then. */
function lazyAdapter(): import('@yeoman/types').InputOutputAdapter {
  return {
    log: silentLogger(),
    prompt: async (questions: never, initialAnswers?: never) => (await loadTerminalAdapter()).prompt(questions, initialAnswers),
    close: () => undefined,
  } as unknown as import('@yeoman/types').InputOutputAdapter;
}

/** Asking about conflicts needs the conflicter's own output on the terminal (its diff, its menu). */
async function askingAdapter(): Promise<TerminalAdapter> {
  const { TerminalAdapter } = await import('@yeoman/adapter');
  return new TerminalAdapter({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
}

export interface FileChange {
  /** Absolute path. */
  path: string;
  /** What to write; undefined deletes the file. */
  contents: Buffer | undefined;
  /** Already decided by the caller (a plan), so the conflicter must not check or ask again. */
  decided: boolean;
}

export interface CommitOptions {
  root: string;
  /** Overwrite every conflict (the conflicter's own --force). */
  force: boolean;
  /** Show the conflicter's diff and ask about undecided conflicts; otherwise a conflict is asked about only without force, silently. */
  ask: boolean;
}

/** mem-fs files carry the conflicter's decision; a preset one skips the collision check. */
interface ConflicterFile {
  conflicter?: string;
}

export async function commitFiles(changes: readonly FileChange[], options: CommitOptions): Promise<void> {
  if (changes.length === 0) return;
  const [{ create: createMemFs }, { create: createEditor }, state, conflicter] = await Promise.all([
    import('mem-fs'),
    import('mem-fs-editor'),
    import('mem-fs-editor/state'),
    import('@yeoman/conflicter'),
  ]);
  const store = createMemFs<import('mem-fs-editor').MemFsEditorFile>();
  const editor = createEditor(store);
  for (const change of changes) {
    if (change.contents === undefined) editor.delete(change.path);
    else editor.write(change.path, change.contents);
    if (change.decided) (store.get(change.path) as unknown as ConflicterFile).conflicter = 'force';
  }
  const adapter = options.ask ? await askingAdapter() : lazyAdapter();
  await store.pipeline(
    { filter: (file) => state.isFilePending(file) || file.path.endsWith('.yo-resolve') },
    conflicter.createYoResolveTransform(),
    conflicter.forceYoFiles(),
    conflicter.createConflicterTransform(adapter, { force: options.force, cwd: options.root }),
    synchronousCommitTransform(state),
  );
}

type MemFsEditorState = typeof import('mem-fs-editor/state');
type CommittedFile = import('mem-fs-editor').MemFsEditorFile & { stat?: { mode?: number } | null };

/**
 * mem-fs-editor's commit transform, with synchronous writes: the same states and the same file
 * modes, but without five thread-pool round trips per file (stat the folder, open, write, close,
 * stat the mode). Generating a repo writes some 190 files, and those round trips were most of the
 * time `new` spent waiting rather than working; a CLI has nothing else to do meanwhile.
 */
function synchronousCommitTransform(state: MemFsEditorState): Transform {
  const folders = new Set<string>();
  return new Transform({
    objectMode: true,
    transform(file: CommittedFile, _encoding, done) {
      try {
        if (state.isFileStateModified(file)) {
          state.setCommittedFile(file);
          writeCommitted(file, folders);
        } else if (state.isFileStateDeleted(file) && !state.isFileNew(file)) {
          state.setCommittedFile(file);
          rmSync(file.path, { recursive: true });
        }
        state.clearFileState(file);
        done(null, file);
      } catch (error) {
        done(error as Error);
      }
    },
  });
}

/**
 * Writes a rendered repo into a directory `new` has just made for it (its staging directory).
 * What commitFiles adds, the conflicter and .yo-resolve, protects files that are already there,
 * and a fresh directory holds none: every file is a creation nobody needs to be asked about.
 * Loading mem-fs, its editor and the conflicter and streaming ~190 files through them was a
 * sixth of `new`'s CPU, for no decision at all.
 */
export function writeIntoFreshDirectory(root: string, files: ReadonlyMap<string, Buffer>): void {
  const folders = new Set<string>([root]);
  for (const [path, contents] of files) {
    const file = join(root, path);
    const folder = dirname(file);
    if (!folders.has(folder)) {
      mkdirSync(folder, { recursive: true });
      folders.add(folder);
    }
    writeFileSync(file, contents, { flag: 'wx' });
  }
}

function writeCommitted(file: CommittedFile, folders: Set<string>): void {
  if (!file.contents) throw new Error(`${file.path} cannot write an empty file`);
  const folder = dirname(file.path);
  if (!folders.has(folder)) {
    mkdirSync(folder, { recursive: true });
    folders.add(folder);
  }
  const mode = file.stat?.mode ?? undefined;
  writeFileSync(file.path, file.contents, { mode });
  // The mode given to writeFile applies only to a file it creates.
  if (mode !== undefined && (statSync(file.path).mode & 0o777) !== (mode & 0o777)) chmodSync(file.path, mode);
}
