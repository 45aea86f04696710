/**
 * Command-line flags, derived from the choice model plus the run-only flags, which are never
 * persisted. Parsing is strict: an unknown flag or a missing value is a usage error.
 */
import { parseArgs } from 'node:util';
import { CHOICES, type PartialChoices } from '../../generators/lib/spec.js';
import { UsageError } from '../../generators/lib/usage-error.js';

interface RunFlag {
  type: 'string' | 'boolean';
  short?: string;
  placeholder?: string;
  help: string;
}

export const RUN_FLAGS = {
  answers: { type: 'string', placeholder: 'FILE', help: 'read choices from a JSON file; flags override it' },
  yes: { type: 'boolean', short: 'y', help: 'accept the defaults for every choice not given; never prompt' },
  'dry-run': { type: 'boolean', help: 'print the files that would be written, write nothing' },
  'skip-install': { type: 'boolean', help: 'do not install the new repo\'s dependencies' },
  'skip-git': { type: 'boolean', help: 'do not create a git repository and first commit' },
  force: { type: 'boolean', help: 'generate into a non-empty directory, overwriting files microforge renders' },
  json: { type: 'boolean', help: 'print only a JSON summary on stdout (choices, files, next commands); never prompt' },
  debug: { type: 'boolean', help: 'show stack traces of unexpected errors' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
  version: { type: 'boolean', short: 'v', help: 'print the version' },
} as const satisfies Record<string, RunFlag>;

/** Saved in the repo like a choice, but never asked for: by default, the manager that ran `create`. */
export const PACKAGE_MANAGER_FLAG = {
  flag: 'package-manager',
  placeholder: 'npm|pnpm|yarn',
  help: 'install with this manager; lockfile, Dockerfile, CI and docs follow it (default: the one running `create`, else npm; pnpm@X.Y.Z pins a version)',
} as const;

export interface RunOptions {
  answers?: string;
  packageManager?: string;
  yes: boolean;
  dryRun: boolean;
  skipInstall: boolean;
  skipGit: boolean;
  force: boolean;
  json: boolean;
  debug: boolean;
  help: boolean;
  version: boolean;
}

export interface NewArguments {
  directory?: string;
  flagChoices: PartialChoices;
  run: RunOptions;
}

function parserOptions() {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const choice of CHOICES) options[choice.flag.slice(2)] = { type: 'string' };
  options[PACKAGE_MANAGER_FLAG.flag] = { type: 'string' };
  for (const [flag, declaration] of Object.entries(RUN_FLAGS)) {
    options[flag] = 'short' in declaration ? { type: declaration.type, short: declaration.short } : { type: declaration.type };
  }
  return options;
}

/** node:util parseArgs errors, as the one-line usage errors every command prints. */
export function usageErrorFromParseArgs(error: unknown): UsageError {
  const { code, message } = error as { code?: string; message: string };
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option '${option ?? message}' (see --help)`);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return new UsageError(`option '${option ?? '?'}' ${message.includes('argument missing') ? 'needs a value' : 'takes no value'} (see --help)`);
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return new UsageError(`unexpected argument (see --help)`);
  return new UsageError(message);
}

export function parseNewArguments(argv: readonly string[]): NewArguments {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: parserOptions(), allowPositionals: true, strict: true });
  } catch (error) {
    throw usageErrorFromParseArgs(error);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    throw new UsageError(`expected at most one target directory, got ${positionals.length}: ${positionals.join(' ')}`);
  }
  const flagChoices: PartialChoices = {};
  for (const choice of CHOICES) {
    const value = values[choice.flag.slice(2)];
    if (value !== undefined) flagChoices[choice.key] = value;
  }
  const flag = (name: keyof typeof RUN_FLAGS): boolean => values[name] === true;
  const answers = values.answers;
  const packageManager = values[PACKAGE_MANAGER_FLAG.flag];
  return {
    ...(positionals[0] !== undefined ? { directory: positionals[0] } : {}),
    flagChoices,
    run: {
      ...(typeof answers === 'string' ? { answers } : {}),
      ...(typeof packageManager === 'string' ? { packageManager } : {}),
      yes: flag('yes'),
      dryRun: flag('dry-run'),
      skipInstall: flag('skip-install'),
      skipGit: flag('skip-git'),
      force: flag('force'),
      json: flag('json'),
      debug: flag('debug'),
      help: flag('help'),
      version: flag('version'),
    },
  };
}
