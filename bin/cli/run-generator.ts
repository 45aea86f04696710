/**
 * Runs the app generator's phases for the CLI: prompt for what is missing → complete the spec →
 * render in memory → write through Yeoman's mem-fs and commit through Yeoman's conflicter (the
 * same pipeline yeoman-environment commits with: .yo-resolve, forced .yo-rc.json, conflicter,
 * commit transform), with `force` and `cwd` as the environment would pass them.
 *
 * It does not load yeoman-environment or yeoman-generator: importing them costs about 1.2 s of
 * CPU on every run (about 2,000 modules: the whole of lodash-es, rxjs through inquirer, npm's
 * arborist through the environment's fly-import, execa, commander), 6-7x the cost of rendering
 * and writing the files, and `new` uses none of it (no generator lookup, no composition, no
 * install task). `generators/app/index.ts` runs the same phases as a Yeoman generator for `yo` and
 * yeoman-test. Inquirer (through @yeoman/adapter, as Yeoman prompts) is loaded only when a person
 * is asked something: for the prompts, or by the conflicter on a conflict without --force.
 */
import { Writable } from 'node:stream';
import { changedFiles } from '../../generators/lib/changed-files.js';
import { renderRepo, type RenderedTree } from '../../generators/lib/render.js';
import { completeSpec, type ServiceSpec } from '../../generators/lib/spec.js';

export interface GeneratorRun {
  destinationRoot: string;
  given: Partial<ServiceSpec>;
  directoryName: string;
  interactive: boolean;
  dryRun: boolean;
  force: boolean;
}

export interface GeneratorResult {
  spec: ServiceSpec;
  tree: RenderedTree;
}

type TerminalAdapter = import('@yeoman/adapter').TerminalAdapter;

/** Takes Yeoman's own log (per-file "create" lines): the CLI reports once, itself. */
function discardingStream(): NodeJS.WriteStream {
  return new Writable({ write: (_chunk, _encoding, done) => done() }) as unknown as NodeJS.WriteStream;
}

let terminalAdapter: Promise<TerminalAdapter> | undefined;

/** Yeoman's terminal adapter (inquirer prompts on the terminal, log discarded), created on first use. */
function loadTerminalAdapter(): Promise<TerminalAdapter> {
  terminalAdapter ??= import('@yeoman/adapter').then(
    ({ TerminalAdapter }) => new TerminalAdapter({ stdin: process.stdin, stdout: process.stdout, stderr: discardingStream() }),
  );
  return terminalAdapter;
}

/** A logger that accepts every Yeoman log call (create, force, conflict, writeln, info, ...) and drops it. */
function silentLogger(): unknown {
  const log: unknown = new Proxy(() => log, { get: (_target, property) => (property === 'then' ? undefined : log) });
  return log;
}

/**
 * What the conflicter talks to: the log is dropped, and a question (a conflict without --force)
 * goes to Yeoman's terminal adapter, loaded then.
 */
function lazyAdapter(): import('@yeoman/types').InputOutputAdapter {
  return {
    log: silentLogger(),
    prompt: async (questions: never, initialAnswers?: never) => (await loadTerminalAdapter()).prompt(questions, initialAnswers),
    close: () => undefined,
  } as unknown as import('@yeoman/types').InputOutputAdapter;
}

async function promptForMissing(run: GeneratorRun): Promise<Partial<ServiceSpec>> {
  const [{ questionsForMissing }, adapter] = await Promise.all([import('../../generators/app/prompts.js'), loadTerminalAdapter()]);
  const questions = questionsForMissing(run.given, run.directoryName);
  // The adapter's prompt types are generic over the answer shape; our questions are built from the model.
  return (await adapter.prompt(questions as never)) as Partial<ServiceSpec>;
}

/** Writes the tree the way a Yeoman generator's `writing` + the environment's commit do. */
async function commitTree(tree: RenderedTree, run: GeneratorRun): Promise<void> {
  const [{ create: createMemFs }, { create: createEditor }, { createCommitTransform }, { isFilePending }, conflicter] = await Promise.all([
    import('mem-fs'),
    import('mem-fs-editor'),
    import('mem-fs-editor/transform'),
    import('mem-fs-editor/state'),
    import('@yeoman/conflicter'),
  ]);
  const store = createMemFs<import('mem-fs-editor').MemFsEditorFile>();
  const editor = createEditor(store);
  for (const [destination, contents] of changedFiles(tree, run.destinationRoot)) editor.write(destination, contents);
  const adapter = run.interactive ? await loadTerminalAdapter() : lazyAdapter();
  await store.pipeline(
    { filter: (file) => isFilePending(file) || file.path.endsWith('.yo-resolve') },
    conflicter.createYoResolveTransform(),
    conflicter.forceYoFiles(),
    conflicter.createConflicterTransform(adapter, { force: run.force, cwd: run.destinationRoot }),
    createCommitTransform(),
  );
}

export async function runAppGenerator(run: GeneratorRun): Promise<GeneratorResult> {
  const answers = run.interactive ? await promptForMissing(run) : {};
  const spec = completeSpec({ ...run.given, ...answers }, run.directoryName);
  const tree = renderRepo(spec);
  if (!run.dryRun) await commitTree(tree, run);
  return { spec, tree };
}
