/** Flags of `add` and `upgrade`: the component's own choices plus how to write and resolve. */
import { parseArgs } from 'node:util';
import type { ConflictResolution } from '../../generators/lib/update-plan.js';
import { choiceFor, type ChoiceKey, type PartialChoices } from '../../generators/lib/spec.js';
import { UsageError } from '../../generators/lib/usage-error.js';
import { usageErrorFromParseArgs } from './arguments.js';

export const UPDATE_FLAGS = {
  'dry-run': { type: 'boolean', help: 'print the planned changes (created, changed, conflicting), write nothing' },
  json: { type: 'boolean', help: 'print the plan as JSON' },
  force: { type: 'boolean', help: 'overwrite conflicting files with the new render (also allows a dirty working tree)' },
  conflict: { type: 'string', placeholder: 'MODE', help: 'merge (3-way, conflict markers; default without a terminal), skip (keep yours) or ask (default on a terminal)' },
  'skip-install': { type: 'boolean', help: 'do not run npm install when package.json changed' },
  yes: { type: 'boolean', short: 'y', help: 'accept the defaults for the added choices; never prompt' },
  debug: { type: 'boolean', help: 'show stack traces of unexpected errors' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
} as const;

export interface UpdateArguments {
  positionals: string[];
  choices: PartialChoices;
  dryRun: boolean;
  json: boolean;
  force: boolean;
  resolution: ConflictResolution;
  skipInstall: boolean;
  help: boolean;
  debug: boolean;
  check: boolean;
  /** Values of the command's own flags beyond the choices (e.g. --field of add resource). */
  extra: Record<string, unknown>;
  yes: boolean;
}

/** A flag one command adds to the shared ones, as node:util parseArgs declares it. */
export interface ExtraFlag {
  type: 'string' | 'boolean';
  multiple?: boolean;
}

const RESOLUTIONS: readonly ConflictResolution[] = ['merge', 'skip', 'ask'];

export function parseUpdateArguments(
  argv: readonly string[],
  choiceKeys: readonly ChoiceKey[],
  options: { check?: boolean; terminalAttached: boolean; extraFlags?: Record<string, ExtraFlag> },
): UpdateArguments {
  const parserOptions: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = { ...options.extraFlags };
  for (const key of choiceKeys) parserOptions[choiceFor(key).flag.slice(2)] = { type: 'string' };
  for (const [flag, declaration] of Object.entries(UPDATE_FLAGS)) {
    parserOptions[flag] = 'short' in declaration ? { type: declaration.type, short: declaration.short } : { type: declaration.type };
  }
  if (options.check) parserOptions.check = { type: 'boolean' };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: parserOptions, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageErrorFromParseArgs(error);
  }
  const { values, positionals } = parsed;
  const choices: PartialChoices = {};
  for (const key of choiceKeys) {
    const value = values[choiceFor(key).flag.slice(2)];
    if (value !== undefined) choices[key] = value;
  }
  const force = values.force === true;
  const requested = values.conflict;
  if (requested !== undefined && !RESOLUTIONS.includes(requested as ConflictResolution)) {
    throw new UsageError(`--conflict has unknown value '${String(requested)}' (expected one of: ${RESOLUTIONS.join(', ')})`);
  }
  const interactive = options.terminalAttached && values.yes !== true && values.json !== true;
  if (requested === 'ask' && !interactive) throw new UsageError('--conflict ask needs a terminal; use --conflict merge or skip');
  const resolution: ConflictResolution = force ? 'force' : ((requested as ConflictResolution | undefined) ?? (interactive ? 'ask' : 'merge'));
  return {
    positionals,
    choices,
    dryRun: values['dry-run'] === true,
    json: values.json === true,
    force,
    resolution,
    skipInstall: values['skip-install'] === true,
    help: values.help === true,
    debug: values.debug === true,
    check: values.check === true,
    yes: values.yes === true,
    extra: Object.fromEntries(Object.keys(options.extraFlags ?? {}).map((flag) => [flag, values[flag]])),
  };
}
