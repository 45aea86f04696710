/**
 * `microforge upgrade`: re-renders the repo's own choices with this version's templates and
 * applies the difference with the same 3-way merge as `add`. `--check` only tells (exit 1 when
 * the repo is behind), for CI.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DRIFT_EXPLANATION, generatedDrift } from '../../generators/lib/drift.js';
import { GENERATOR_VERSION } from '../../generators/lib/package-root.js';
import { renderRepo } from '../../generators/lib/render.js';
import type { CommandContext } from './command-context.js';
import { describePlan, planAsJson, planRepoUpdate, runRepoUpdate, startRepoCommand } from './repo-update.js';
import { UPDATE_FLAGS } from './update-arguments.js';

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
  const started = startRepoCommand(argv, { name: 'upgrade', choiceKeys: [], check: true, help: upgradeHelp }, context);
  if (started === 'help-shown') return 0;
  const { args, directory, previous } = started;
  if (args.check) {
    const rendered = renderRepo(previous.spec);
    const changes = (await planRepoUpdate({ directory, previous, nextSpec: previous.spec, reporter: context.reporter, previousRendered: rendered })).filter((change) => change.kind !== 'keep');
    const planned = new Set(changes.map((change) => change.path));
    const drift = generatedDrift(rendered, (path) => {
      const absolute = join(directory, path);
      return existsSync(absolute) ? readFileSync(absolute) : undefined;
    }).filter((file) => !planned.has(file.path));
    const upToDate = changes.length === 0 && drift.length === 0;
    if (args.json) {
      context.reporter.info(planAsJson(changes, { command: 'upgrade --check', upToDate, drift: drift.map((file) => ({ ...file, owner: 'generated' })), ...(drift.length ? { driftExplanation: DRIFT_EXPLANATION } : {}) }));
    } else if (upToDate) context.reporter.info(`Up to date with microforge ${GENERATOR_VERSION}.`);
    else {
      if (changes.length > 0) {
        context.reporter.info(`Behind microforge ${GENERATOR_VERSION}: ${changes.length} file(s) would change (run microforge upgrade):`);
        for (const line of describePlan(changes, 'plan')) context.reporter.info(line);
      }
      if (drift.length > 0) {
        context.reporter.info(`Drift: ${drift.length} generator-owned file(s) differ from what microforge ${GENERATOR_VERSION} renders for this repo's choices:`);
        for (const file of drift) context.reporter.info(`  ≠ ${file.path}  (${file.reason})`);
        context.reporter.info(DRIFT_EXPLANATION);
      }
    }
    return upToDate ? 0 : 1;
  }
  return runRepoUpdate({ ...started, nextSpec: previous.spec, reporter: context.reporter, title: `upgrade to microforge ${GENERATOR_VERSION}` });
}
