/** Command dispatch and the exit-code contract: 0 done, 1 failure, 2 bad input, 130 cancelled. */
import { GENERATOR_VERSION } from '../../generators/lib/package-root.js';
import { UsageError } from '../../generators/lib/usage-error.js';
import { mainHelp } from './help.js';
import type { CommandContext } from './command-context.js';
import { StepFailure } from './post-generate.js';
import { createReporter } from './reporter.js';

type Command = (argv: readonly string[], context: CommandContext) => Promise<number>;

// Each command loads only its own modules: `new` should not pay for the merge or audit machinery.
const COMMANDS: Record<string, Command> = {
  new: async (argv, context) => (await import('./new-command.js')).newCommand(argv, context),
  add: async (argv, context) => (await import('./add-command.js')).addCommand(argv, context),
  upgrade: async (argv, context) => (await import('./upgrade-command.js')).upgradeCommand(argv, context),
  audit: async (argv, context) => (await import('./audit-command.js')).auditCommand(argv, context),
};

function isCancellation(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'ExitPromptError' || name === 'AbortPromptError';
}

export async function runMicroforge(argv: readonly string[], binary: string): Promise<number> {
  const reporter = createReporter();
  let debug = argv.includes('--debug');
  const context: CommandContext = {
    reporter,
    binary: binary === 'microforge' ? 'microforge new' : binary,
    terminalAttached: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    onDebug: (enabled) => {
      debug = debug || enabled;
    },
  };
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === '--help' || command === '-h') {
      reporter.info(mainHelp());
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-v') {
      reporter.info(GENERATOR_VERSION);
      return 0;
    }
    const run = COMMANDS[command];
    if (!run) throw new UsageError(`unknown command '${command}' (commands: ${Object.keys(COMMANDS).join(', ')}; see --help)`);
    return await run(rest, context);
  } catch (error) {
    if (error instanceof UsageError) {
      reporter.notice(`${binary}: ${error.message}`);
      return error.exitCode;
    }
    if (isCancellation(error)) {
      // Only `new` stages its files, so only there is "nothing was written" a promise.
      reporter.notice(`${binary}: cancelled${argv[0] === 'new' || binary === 'create-microforge' ? '; nothing was written' : ''}`);
      return 130;
    }
    const message = error instanceof Error ? error.message : String(error);
    reporter.notice(`${binary}: ${message}`);
    if (debug && error instanceof Error && !(error instanceof StepFailure)) reporter.notice(error.stack ?? '');
    else if (!(error instanceof StepFailure)) reporter.notice('(run again with --debug for details)');
    return 1;
  }
}
