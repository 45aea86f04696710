/**
 * The one way the CLI writes to a repo: through Yeoman's mem-fs and the same commit pipeline
 * yeoman-environment uses (.yo-resolve, forced .yo-rc.json, the conflicter, the commit
 * transform), without loading yeoman-environment or yeoman-generator: importing them costs about
 * 1.2 s of CPU (about 2,000 modules) that none of the commands uses. Inquirer (through
 * @yeoman/adapter) loads only when a person is asked something.
 */
import { Writable } from 'node:stream';

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
  const [{ create: createMemFs }, { create: createEditor }, { createCommitTransform }, { isFilePending }, conflicter] = await Promise.all([
    import('mem-fs'),
    import('mem-fs-editor'),
    import('mem-fs-editor/transform'),
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
    { filter: (file) => isFilePending(file) || file.path.endsWith('.yo-resolve') },
    conflicter.createYoResolveTransform(),
    conflicter.forceYoFiles(),
    conflicter.createConflicterTransform(adapter, { force: options.force, cwd: options.root }),
    createCommitTransform(),
  );
}
