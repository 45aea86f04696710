/**
 * A mistake in what the user asked for: printed as one line without a stack trace, exit code 2.
 * Everything else is a bug or an environment failure and keeps its stack for --debug.
 */
export class UsageError extends Error {
  readonly exitCode = 2;

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
