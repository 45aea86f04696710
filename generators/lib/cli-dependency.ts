/**
 * How a generated repo runs microforge (`audit`, `upgrade`): as a devDependency pinned to the
 * release that generated it, when that release is on the registry; else through `npx -p`, since
 * a devDependency on an unpublished version would break the repo's install. The renderer stays
 * pure (golden samples are deterministic): the spec's `cliDependency` carries the choice, made
 * once at `new` by decideCliDependency() and kept by `add` and `upgrade` through .yo-rc.json.
 */
import type { InstalledFrom } from './installed-from.js';
import { GENERATOR_PACKAGE_NAME } from './package-root.js';

/** What the repo's scripts and docs print for running microforge. */
export interface CliCommands {
  /** package.json's devDependencies: the exact release, or nothing. */
  devDependencies: Record<string, string>;
  /** The command the `audit` / `upgrade` scripts start with. */
  microforge: string;
  /** How `<run> audit` reaches microforge, for the docs. */
  runsThrough: string;
}

export function cliCommands(cliDependency: boolean | undefined, generatorVersion: string): CliCommands {
  const spec = `${GENERATOR_PACKAGE_NAME}@${generatorVersion}`;
  return cliDependency
    ? { devDependencies: { [GENERATOR_PACKAGE_NAME]: generatorVersion }, microforge: 'microforge', runsThrough: `the ${spec} devDependency` }
    : { devDependencies: {}, microforge: `npx --yes -p ${spec} microforge`, runsThrough: 'that microforge release through npx' };
}

/** MICROFORGE_CLI_DEPENDENCY=yes|no forces the choice without asking the registry (tests, air-gapped machines). */
export const FORCE_VARIABLE = 'MICROFORGE_CLI_DEPENDENCY';

export interface CliDependencyDecision {
  cliDependency: boolean;
  /** One line for the user when the repo falls back to npx. */
  notice?: string;
}

/**
 * Decides at `new`: the forcing variable (any other value is ignored), else where the running CLI was installed
 * from (a registry install proves the release is published; a checkout or a local tarball is not), and only when
 * no npm lockfile tells (pnpm or yarn dlx), whether the registry has this release (asked with `isPublished`, which
 * answers false or throws a one-line reason when it cannot tell).
 */
export async function decideCliDependency(
  version: string,
  installed: InstalledFrom,
  isPublished: (spec: string) => Promise<boolean>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CliDependencyDecision> {
  const spec = `${GENERATOR_PACKAGE_NAME}@${version}`;
  const fallback = (why: string): CliDependencyDecision => ({ cliDependency: false, notice: `${spec} ${why}: the repo runs it through npx -p` });
  const forced = env[FORCE_VARIABLE];
  if (forced === 'yes') return { cliDependency: true };
  // Asked for: nothing to explain.
  if (forced === 'no') return { cliDependency: false };
  if (installed.kind === 'registry') return { cliDependency: true };
  // Whoever runs microforge from its sources knows it is not an installed release.
  if (installed.kind === 'checkout') return { cliDependency: false };
  if (installed.kind === 'local') return fallback(`was installed from ${installed.resolved}, not from a registry`);
  try {
    return (await isPublished(spec)) ? { cliDependency: true } : fallback('is not on the registry');
  } catch (error) {
    return fallback(`could not be looked up (${(error as Error).message})`);
  }
}
