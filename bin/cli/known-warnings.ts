/**
 * Node 20.17/20.18 warn that importing JSON modules is experimental every time the Yeoman stack
 * loads; it is not the user's concern and would make every generation print to stderr.
 * Every other warning still shows.
 */
const originalEmitWarning = process.emitWarning.bind(process);

export function silenceKnownWarnings(): void {
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const message = typeof warning === 'string' ? warning : warning.message;
    if (message.startsWith('Importing JSON modules is an experimental feature')) return;
    (originalEmitWarning as (...args: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}
