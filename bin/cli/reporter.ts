/**
 * Everything the CLI says goes through here: results on stdout, notices and errors on stderr,
 * colours only on a terminal and never with NO_COLOR.
 */
import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

export interface Reporter {
  /** A result line on stdout. */
  info(line: string): void;
  /** A diagnostic line on stderr (never part of a result a tool might parse). */
  notice(line: string): void;
  /** Progress of a long step; silent in CI and when stderr is not a terminal. */
  progress(line: string): void;
  style(style: Style, text: string): string;
  readonly interactiveOutput: boolean;
}

/** A reader that stops early (`microforge audit | head`) is not an error worth a stack trace. */
function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  if (stream.listenerCount('error') > 0) return;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

export function createReporter(environment: NodeJS.ProcessEnv = process.env): Reporter {
  exitQuietlyOnClosedPipe(process.stdout);
  exitQuietlyOnClosedPipe(process.stderr);
  const stdoutIsTerminal = Boolean(process.stdout.isTTY);
  const useColour = stdoutIsTerminal && environment.NO_COLOR === undefined && environment.TERM !== 'dumb';
  const quiet = Boolean(environment.CI) || !process.stderr.isTTY;
  return {
    info: (line) => process.stdout.write(`${line}\n`),
    notice: (line) => process.stderr.write(`${line}\n`),
    progress: (line) => {
      if (!quiet) process.stderr.write(`${line}\n`);
    },
    style: (style, text) => (useColour ? styleText(style, text) : text),
    interactiveOutput: stdoutIsTerminal,
  };
}
