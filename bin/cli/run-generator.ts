/**
 * Runs `new`'s phases: prompt for what is missing → complete the spec (once) → render in memory →
 * write. Into the directory `new` made for the repo (its staging directory, empty), the files
 * are simply written: there is nothing to plan against and nothing to protect. Into an occupied
 * directory (--force), `new` plans against an empty record and writes the plan through the same
 * update plan and commit pipeline (Yeoman's mem-fs and conflicter, repo-update.ts) that `add`,
 * `add resource`, `add docker|kubernetes` and `upgrade` use.
 *
 * It does not load yeoman-environment or yeoman-generator: importing them costs about 1.2 s of
 * CPU on every run (about 2,000 modules: the whole of lodash-es, rxjs through inquirer, npm's
 * arborist through the environment's fly-import, execa, commander), 6-7x the cost of rendering
 * and writing the files, and `new` uses none of it (no generator lookup, no composition, no
 * install task), so microforge is not a `yo` generator (README: "Not a yo generator"). Inquirer
 * (through @yeoman/adapter, as Yeoman prompts) is loaded only when a person is asked something:
 * for the prompts.
 */
import { GENERATOR_VERSION } from '../../generators/lib/package-root.js';
import { renderRepo, type GenerationRecord, type RenderedTree } from '../../generators/lib/render.js';
import { completeSpec, type ServiceSpec } from '../../generators/lib/spec.js';
import { planUpdate, type PlannedChange } from '../../generators/lib/update-plan.js';
import { loadTerminalAdapter, writeIntoFreshDirectory } from './commit-files.js';
import { applyPlan, filesUnder } from './repo-update.js';

export interface GeneratorRun {
  destinationRoot: string;
  /** The choices so far: a complete spec when nothing is asked, otherwise what flags and the answers file gave. */
  given: Partial<ServiceSpec> | ServiceSpec;
  directoryName: string;
  /** Ask for what `given` leaves open; without prompts `given` must already be complete. */
  interactive: boolean;
  dryRun: boolean;
  /** destinationRoot is the directory `new` made for this run (empty): nothing there to plan against or keep. */
  freshDirectory?: boolean;
  /** Who answers the prompts: Yeoman's terminal adapter unless given (tests pass its TestAdapter). */
  prompter?: Prompter;
}

export interface Prompter {
  prompt(questions: never): Promise<unknown>;
}

export interface GeneratorResult {
  spec: ServiceSpec;
  tree: RenderedTree;
  /** Files already in the target (only with --force) that are the user's and stay as they are. */
  kept: readonly string[];
}

async function promptForMissing(run: GeneratorRun): Promise<Partial<ServiceSpec>> {
  const [{ questionsForMissing }, adapter] = await Promise.all([import('../../generators/app/prompts.js'), run.prompter ?? loadTerminalAdapter()]);
  const questions = questionsForMissing(run.given, run.directoryName);
  // The adapter's prompt types are generic over the answer shape; our questions are built from the model.
  return (await adapter.prompt(questions as never)) as Partial<ServiceSpec>;
}

/**
 * `new` is an update against an empty record: the plan `add` and `upgrade` make (update-plan.ts),
 * so a file that already holds the rendered bytes is not touched, a generated file in the way is
 * replaced only under --force, and a user-owned file already there is kept.
 */
function planNewRepo(spec: ServiceSpec, tree: RenderedTree, root: string): PlannedChange[] {
  const nothingGenerated: GenerationRecord = { spec, generatorVersion: GENERATOR_VERSION, files: {} };
  return planUpdate({
    previous: nothingGenerated,
    base: undefined,
    next: tree,
    current: filesUnder(root),
    labels: { ours: 'yours', base: 'nothing', theirs: `microforge ${GENERATOR_VERSION}` },
  });
}

export async function runAppGenerator(run: GeneratorRun): Promise<GeneratorResult> {
  const spec = run.interactive ? completeSpec({ ...run.given, ...(await promptForMissing(run)) }, run.directoryName) : (run.given as ServiceSpec);
  const tree = renderRepo(spec);
  if (run.dryRun) return { spec, tree, kept: [] };
  if (run.freshDirectory) {
    writeIntoFreshDirectory(run.destinationRoot, tree);
    return { spec, tree, kept: [] };
  }
  const changes = planNewRepo(spec, tree, run.destinationRoot);
  // Without --force the target is an empty staging directory (an occupied one is refused in
  // target-directory.ts), so a conflict, a generated file already in the way, exists only under --force.
  await applyPlan(run.destinationRoot, changes, 'force');
  return { spec, tree, kept: changes.filter((change) => change.kind === 'keep').map((change) => change.path) };
}
