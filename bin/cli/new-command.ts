/**
 * `microforge new`: flags > answers file > prompts (only for what is missing) > defaults.
 * Every input is checked before anything is written; the repo appears whole or not at all.
 */
import { decideCliDependency } from '../../generators/lib/cli-dependency.js';
import { installedFrom } from '../../generators/lib/installed-from.js';
import { GENERATOR_VERSION, PACKAGE_ROOT } from '../../generators/lib/package-root.js';
import { checkPackageManager, managerFromUserAgent, packageManagerCommands, packageManagerOfCreate } from '../../generators/lib/package-manager.js';
import type { RenderedTree } from '../../generators/lib/render.js';
import { checkAvailability, checkContradictions, checkGivenChoices, completeSpec, type ServiceSpec } from '../../generators/lib/spec.js';
import { readAnswersFile } from './answers-file.js';
import { parseNewArguments } from './arguments.js';
import { newCommandHelp } from './help.js';
import { nextSteps } from './next-steps.js';
import { createGitRepository, installDependencies } from './post-generate.js';
import type { CommandContext } from './command-context.js';
import type { Reporter } from './reporter.js';
import { runAppGenerator } from './run-generator.js';
import { assertUsableTarget, createStagingDirectory, discardStaging, inspectTarget, moveStagedInto } from './target-directory.js';

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

  const { packageManager: answeredManager, ...answered }: Record<string, unknown> = run.answers ? readAnswersFile(run.answers) : {};
  const fromFile = run.answers ? checkGivenChoices(answered, `answers file ${run.answers}`) : {};
  const manager = chooseManager(run.packageManager, answeredManager, run.answers);
  const given: Partial<ServiceSpec> = { ...fromFile, ...checkGivenChoices(flagChoices, 'flag'), ...(manager.recorded === undefined ? {} : { packageManager: manager.recorded }) };
  checkContradictions(given);
  checkAvailability(given);

  const target = inspectTarget(directory ?? '.');
  // --json output is for tools: a question would wait for an answer nobody reads.
  const interactive = context.terminalAttached && !run.yes && !run.json;
  // Without prompts the defaults are final, so the spec is complete (and any contradiction with them known) now, before the target is checked.
  const complete = interactive ? given : completeSpec(given, target.name);
  assertUsableTarget(target, run.force);
  // After every input is checked: bad input fails at once, not after a registry round trip.
  // The registry client (and child_process, for npm's settings) loads only if the answer needs the registry.
  const cli = await decideCliDependency(GENERATOR_VERSION, installedFrom(PACKAGE_ROOT), async (spec) =>
    (await import('../../generators/lib/npm-registry.js')).isPublished(spec, { timeoutMs: 3_000 }),
  );
  const choices = cli.cliDependency ? { ...complete, cliDependency: true as const } : complete;

  if (manager.notice) reporter.notice(manager.notice);
  if (cli.notice) reporter.notice(cli.notice);
  if (!context.terminalAttached && !run.yes && !run.json) {
    reporter.notice('No terminal attached: using defaults for every choice not given (as with --yes).');
  }

  if (run.dryRun) {
    const { spec, tree } = await runAppGenerator({ destinationRoot: target.path, given: choices, directoryName: target.name, interactive, dryRun: true });
    if (run.json) {
      reporter.info(jsonSummary({ spec, tree, target: target.path, dryRun: true, installed: false, git: 'skipped' }));
      return 0;
    }
    reporter.info(`Dry run: ${spec.name} would be generated in ${target.path} with ${tree.size} files (nothing was written):`);
    for (const path of tree.keys()) reporter.info(`  ${path}`);
    return 0;
  }

  // In place only when forced into an occupied directory; otherwise stage and move in at the end.
  const staging = target.occupied ? undefined : createStagingDirectory(target);
  let result;
  try {
    result = await runAppGenerator({
      destinationRoot: staging ?? target.path,
      freshDirectory: staging !== undefined,
      given: choices,
      directoryName: target.name,
      interactive,
      dryRun: false,
    });
    if (staging) moveStagedInto(staging, target);
  } catch (error) {
    if (staging) discardStaging(staging);
    throw error;
  }

  const { spec, tree, kept } = result;
  if (kept.length > 0) reporter.notice(`Kept ${kept.length} file(s) of yours already in ${target.path} (user-owned, not overwritten even with --force): ${kept.join(', ')}`);
  // With --json, stdout carries the summary alone: npm's own output must not reach it.
  const stepReporter = run.json ? { ...reporter, interactiveOutput: false } : reporter;
  if (!run.json) reporter.info(`${reporter.style('green', '✔')} Generated ${spec.name} in ${target.path} (${tree.size} files)`);
  if (!run.skipInstall) await installDependencies(target.path, stepReporter, packageManagerCommands(spec.packageManager));
  const git = run.skipGit ? ('skipped' as const) : await createGitRepository(target.path, `chore: generate ${spec.name} with microforge ${GENERATOR_VERSION}`, stepReporter);
  const outcome: Outcome = { spec, tree, target: target.path, dryRun: false, installed: !run.skipInstall, git };
  reporter.info(run.json ? jsonSummary(outcome) : summary(outcome, reporter));
  return 0;
}

/**
 * `--package-manager` > the answers file's `packageManager` > the manager running `create`
 * (npm_config_user_agent, which npm, pnpm and Yarn set for what they run) > npm.
 */
function chooseManager(flag: string | undefined, answered: unknown, answersFile: string | undefined): { recorded: string | undefined; notice?: string } {
  const userAgent = process.env.npm_config_user_agent;
  if (flag !== undefined) return { recorded: checkPackageManager(flag, '--package-manager', managerFromUserAgent(userAgent)) };
  if (answered !== undefined) return { recorded: checkPackageManager(answered, `'packageManager' in answers file ${answersFile}`, managerFromUserAgent(userAgent)) };
  return packageManagerOfCreate(userAgent);
}

interface Outcome {
  spec: ServiceSpec;
  tree: RenderedTree;
  target: string;
  dryRun: boolean;
  installed: boolean;
  git: Awaited<ReturnType<typeof createGitRepository>> | 'skipped';
}

function summary(outcome: Outcome, reporter: Reporter): string {
  const { spec } = outcome;
  const next = nextSteps(spec, outcome.target, outcome.installed);
  const choices = `storage ${spec.storage}, cache ${spec.cache}, messaging ${spec.messaging}${spec.broker ? ` on ${spec.broker}` : ''}`;
  return [
    '',
    `  ${reporter.style('bold', spec.name)}: ${choices}`,
    '  README.md (quick start, configuration, endpoints, operations), CONTRIBUTING.md, docs/adr/ (the decisions)',
    '',
    '  Next:',
    ...next.commands.map((step) => `    ${step}`),
    ...(next.notes.length > 0 ? ['', ...next.notes.map((note) => `  ${note}`)] : []),
    '',
  ].join('\n');
}

/** The `--json` result: one object, the only thing on stdout. */
function jsonSummary(outcome: Outcome): string {
  const next = nextSteps(outcome.spec, outcome.target, outcome.installed);
  return JSON.stringify(
    {
      spec: outcome.spec,
      target: outcome.target,
      dryRun: outcome.dryRun,
      files: [...outcome.tree.keys()],
      installed: outcome.installed,
      git: outcome.git,
      next: next.commands,
      notes: next.notes,
      generatorVersion: GENERATOR_VERSION,
    },
    null,
    2,
  );
}
