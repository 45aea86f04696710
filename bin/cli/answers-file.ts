import { readFileSync } from 'node:fs';
import type { PartialChoices } from '../../generators/lib/spec.js';
import { UsageError } from '../../generators/lib/usage-error.js';

/** Reads `--answers FILE.json`: a JSON object whose keys are choice names. */
export function readAnswersFile(path: string): PartialChoices {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`cannot read answers file ${path} (${code})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`answers file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`answers file ${path} must hold a JSON object of choices, e.g. {"name": "orders", "storage": "postgres"}`);
  }
  return parsed as PartialChoices;
}
