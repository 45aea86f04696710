/** What every command gets from the CLI's entry point (main.ts). */
import type { Reporter } from './reporter.js';

export interface CommandContext {
  reporter: Reporter;
  binary: string;
  /** Whether a person can answer prompts: both stdin and stdout are terminals. */
  terminalAttached: boolean;
  onDebug(enabled: boolean): void;
}
