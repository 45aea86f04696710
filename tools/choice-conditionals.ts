/**
 * Counts the template conditionals that ask about a choice (opening `#if`, `#unless` and
 * `else if` tags on storage*, cache*, messaging*, broker*), and how many sit outside the folder
 * of the component that owns the choice: storage* is owned by a `storage` path segment, cache* by
 * `cache`, messaging* and broker* by `messaging`, `rabbitmq` or `nats`. That is issue 15's
 * measure (271 of 310 before components declared their contributions as data).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const CHOICE_CONDITIONAL = /\{\{~?\s*(?:#if|#unless|else\s+if|else\s+unless)\s+\(?\s*(storage|cache|messaging|broker)\w*/g;

const OWNING_SEGMENTS: Record<string, readonly string[]> = {
  storage: ['storage'],
  cache: ['cache'],
  messaging: ['messaging', 'rabbitmq', 'nats'],
  broker: ['messaging', 'rabbitmq', 'nats'],
};

export interface ChoiceConditionals {
  total: number;
  /** Conditionals in a file outside the folder of the component that owns the choice. */
  outsideOwner: number;
  /** Per template path (relative to the templates folder), conditionals outside the owner. */
  outsideByFile: Record<string, number>;
}

function templateFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? templateFiles(join(directory, entry.name)) : entry.isFile() ? [join(directory, entry.name)] : [],
  );
}

export function countChoiceConditionals(templatesRoot: string): ChoiceConditionals {
  const result: ChoiceConditionals = { total: 0, outsideOwner: 0, outsideByFile: {} };
  for (const file of templateFiles(templatesRoot).sort()) {
    const path = relative(templatesRoot, file).split(sep).join('/');
    const segments = new Set(path.split('/'));
    for (const match of readFileSync(file, 'utf8').matchAll(CHOICE_CONDITIONAL)) {
      result.total += 1;
      const owners = OWNING_SEGMENTS[match[1] as string] ?? [];
      if (owners.some((segment) => segments.has(segment))) continue;
      result.outsideOwner += 1;
      result.outsideByFile[path] = (result.outsideByFile[path] ?? 0) + 1;
    }
  }
  return result;
}
