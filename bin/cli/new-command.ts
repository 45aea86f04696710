/**
 * `microforge new`: flags > answers file > prompts (only for what is missing) > defaults.
 * Every input is checked before anything is written; the repo appears whole or not at all.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { GENERATOR_VERSION } from '../../generators/lib/package-root.js';
import { checkAvailability, checkContradictions, checkGivenChoices, completeSpec, type ServiceSpec } from '../../generators/lib/spec.js';
import { readAnswersFile } from './answers-file.js';
import { parseNewArguments } from './arguments.js';
import { newCommandHelp } from './help.js';
import { createGitRepository, installDependencies } from './post-generate.js';
import type { Reporter } from './reporter.js';
import { runAppGenerator } from './run-generator.js';
import { assertUsableTarget, createStagingDirectory, discardStaging, inspectTarget, moveStagedInto } from './target-directory.js';

export interface CommandContext {
  reporter: Reporter;
  binary: string;
  /** Whether a person can answer prompts: both stdin and stdout are terminals. */
  terminalAttached: boolean;
  onDebug(enabled: boolean): void;
}

export async function newCommand(argv: readonly string[], context: CommandContext): Promise<number> {
  const { reporter } = context;
  const { directory, flagChoices, run } = parseNewArguments(argv);
  context.onDebug(run.debug);
  if (run.help) {
    reporter.info(newCommandHelp(context.binary));
    return 0;
  }
  if (run.version) {
    reporter.info(GENERATOR_VERSION);
    return 0;
  }

  const fromFile = run.answers ? checkGivenChoices(readAnswersFile(run.answers), `answers file ${run.answers}`) : {};
  const given: Partial<ServiceSpec> = { ...fromFile, ...checkGivenChoices(flagChoices, 'flag') };
  checkContradictions(given);
  checkAvailability(given);

  const target = inspectTarget(directory ?? '.');
  const interactive = context.terminalAttached && !run.yes;
  // Without prompts the defaults are final, so a contradiction with them is known now.
  if (!interactive) completeSpec(given, target.name);
  assertUsableTarget(target, run.force);

  if (!context.terminalAttached && !run.yes) {
    reporter.notice('No terminal attached: using defaults for every choice not given (as with --yes).');
  }

  if (run.dryRun) {
    // Yeoman creates its destination directory; a dry run points it at a scratch one, removed after.
    const scratch = mkdtempSync(join(tmpdir(), 'microforge-dry-run-'));
    let result;
    try {
      result = await runAppGenerator({ destinationRoot: scratch, given, directoryName: target.name, interactive, dryRun: true, force: run.force });
    } finally {
      discardStaging(scratch);
    }
    const { spec, tree } = result;
    reporter.info(`Dry run: ${spec.name} would be generated in ${target.path} with ${tree.size} files (nothing was written):`);
    for (const path of tree.keys()) reporter.info(`  ${path}`);
    return 0;
  }

  // In place only when forced into an occupied directory; otherwise stage and move in at the end.
  const staging = target.occupied ? undefined : createStagingDirectory(target);
  let result;
  try {
    result = await runAppGenerator({ destinationRoot: staging ?? target.path, given, directoryName: target.name, interactive, dryRun: false, force: run.force });
    if (staging) moveStagedInto(staging, target);
  } catch (error) {
    if (staging) discardStaging(staging);
    throw error;
  }

  const { spec, tree } = result;
  reporter.info(`${reporter.style('green', '✔')} Generated ${spec.name} in ${target.path} (${tree.size} files)`);
  if (!run.skipInstall) await installDependencies(target.path, reporter);
  if (!run.skipGit) await createGitRepository(target.path, `chore: generate ${spec.name} with microforge ${GENERATOR_VERSION}`, reporter);
  reporter.info(summary(spec, target.path, run.skipInstall));
  return 0;
}

function summary(spec: ServiceSpec, path: string, skippedInstall: boolean): string {
  const where = relative(process.cwd(), path) || '.';
  const database = spec.storage === 'postgres' ? ' DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres' : '';
  const steps = [...(where === '.' ? [] : [`cd ${where}`]), ...(skippedInstall ? ['npm install'] : []), `${database ? `${database.trim()} ` : ''}npm test`, 'npm run build && npm start'];
  const choices = `storage ${spec.storage}, cache ${spec.cache}, messaging ${spec.messaging}${spec.broker ? ` on ${spec.broker}` : ''}`;
  return ['', `  ${spec.name}: ${choices}`, '', '  Next:', ...steps.map((step) => `    ${step}`), ''].join('\n');
}
