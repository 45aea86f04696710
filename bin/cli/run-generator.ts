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
 * install task), so microforge is not a `yo` generator (README: "Not a yo generator"). Inquirer
 * (through @yeoman/adapter, as Yeoman prompts) is loaded only when a person is asked something:
 * for the prompts, or by the conflicter on a conflict without --force.
 */
import { changedFiles } from '../../generators/lib/changed-files.js';
import { renderRepo, type RenderedTree } from '../../generators/lib/render.js';
import { completeSpec, type ServiceSpec } from '../../generators/lib/spec.js';
import { commitFiles, loadTerminalAdapter } from './commit-files.js';

export interface GeneratorRun {
  destinationRoot: string;
  given: Partial<ServiceSpec>;
  directoryName: string;
  interactive: boolean;
  dryRun: boolean;
  force: boolean;
  /** Who answers the prompts: Yeoman's terminal adapter unless given (tests pass its TestAdapter). */
  prompter?: Prompter;
}

export interface Prompter {
  prompt(questions: never): Promise<unknown>;
}

export interface GeneratorResult {
  spec: ServiceSpec;
  tree: RenderedTree;
}

async function promptForMissing(run: GeneratorRun): Promise<Partial<ServiceSpec>> {
  const [{ questionsForMissing }, adapter] = await Promise.all([import('../../generators/app/prompts.js'), run.prompter ?? loadTerminalAdapter()]);
  const questions = questionsForMissing(run.given, run.directoryName);
  // The adapter's prompt types are generic over the answer shape; our questions are built from the model.
  return (await adapter.prompt(questions as never)) as Partial<ServiceSpec>;
}

export async function runAppGenerator(run: GeneratorRun): Promise<GeneratorResult> {
  const answers = run.interactive ? await promptForMissing(run) : {};
  const spec = completeSpec({ ...run.given, ...answers }, run.directoryName);
  const tree = renderRepo(spec);
  if (!run.dryRun) {
    const changes = changedFiles(tree, run.destinationRoot).map(([path, contents]) => ({ path, contents, decided: false }));
    await commitFiles(changes, { root: run.destinationRoot, force: run.force, ask: false });
  }
  return { spec, tree };
}
