/**
 * `microforge upgrade`: re-renders the repo's own choices with this version's templates and
 * applies the difference with the same 3-way merge as `add`. `--check` only tells (exit 1 when
 * the repo is behind), for CI.
 */
import { GENERATOR_VERSION } from '../../generators/lib/package-root.js';
import { UsageError } from '../../generators/lib/usage-error.js';
import type { CommandContext } from './new-command.js';
import { assertCleanWorkingTree, describePlan, planAsJson, planRepoUpdate, readGenerationRecord, runRepoUpdate } from './repo-update.js';
import { parseUpdateArguments, UPDATE_FLAGS } from './update-arguments.js';

function upgradeHelp(): string {
  return [
    'Usage: microforge upgrade [--check] [options]',
    '',
    `Re-renders the microforge repo in the current directory with microforge ${GENERATOR_VERSION} for the`,
    'choices it records, and merges the change into your files (3-way; conflicts are listed).',
    '',
    '  --check          exit 1 when the repo differs from what these templates render (for CI); write nothing',
    ...Object.entries(UPDATE_FLAGS).map(([flag, declaration]) => `  --${flag.padEnd(14)} ${declaration.help}`),
  ].join('\n');
}

export async function upgradeCommand(argv: readonly string[], context: CommandContext): Promise<number> {
  const args = parseUpdateArguments(argv, [], { check: true, terminalAttached: context.terminalAttached });
  context.onDebug(args.debug);
  if (args.help) {
    context.reporter.info(upgradeHelp());
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}' (run upgrade in the repo's root; see --help)`);
  const directory = process.cwd();
  const previous = readGenerationRecord(directory, 'microforge upgrade');
  if (args.check) {
    const changes = (await planRepoUpdate({ directory, previous, nextSpec: previous.spec, reporter: context.reporter })).filter((change) => change.kind !== 'keep');
    if (args.json) context.reporter.info(planAsJson(changes, { command: 'upgrade --check', upToDate: changes.length === 0 }));
    else if (changes.length === 0) context.reporter.info(`Up to date with microforge ${GENERATOR_VERSION}.`);
    else {
      context.reporter.info(`Behind microforge ${GENERATOR_VERSION}: ${changes.length} file(s) would change (run microforge upgrade):`);
      for (const line of describePlan(changes, 'plan')) context.reporter.info(line);
    }
    return changes.length === 0 ? 0 : 1;
  }
  await assertCleanWorkingTree(directory, args.force || args.dryRun);
  return runRepoUpdate({
    directory,
    previous,
    nextSpec: previous.spec,
    dryRun: args.dryRun,
    json: args.json,
    resolution: args.resolution,
    skipInstall: args.skipInstall,
    reporter: context.reporter,
    title: `upgrade to microforge ${GENERATOR_VERSION}`,
  });
}
