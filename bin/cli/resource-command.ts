/**
 * `microforge add resource NAME --field NAME:TYPE[?] ...`: a resource of the team's own, rendered
 * like the example (migration, store, routes, schemas, tests, cache, outbox events) and recorded
 * in .yo-rc.json, so `upgrade` re-renders it. Flags > answers file > prompts (on a terminal, one
 * field at a time). Every input is checked before anything is written.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { renderRepo, type RenderedTree } from '../../generators/lib/render.js';
import {
  addedResourceNameProblem,
  checkFields,
  FIELD_TYPES,
  nextMigrationNumber,
  parseField,
  RESERVED_FIELD_NAMES,
  type ResourceField,
  type ResourceSpec,
} from '../../generators/lib/resource-spec.js';
import { resourceNameProblem, type ServiceSpec } from '../../generators/lib/spec.js';
import { UsageError } from '../../generators/lib/usage-error.js';
import { readAnswersFile } from './answers-file.js';
import { loadTerminalAdapter } from './commit-files.js';
import type { CommandContext } from './command-context.js';
import { runRepoUpdate, startRepoCommand } from './repo-update.js';
import { UPDATE_FLAGS } from './update-arguments.js';

const RESOURCE_FLAGS = {
  field: { type: 'string', multiple: true },
  answers: { type: 'string' },
} as const;

export function addResourceHelp(): string {
  return [
    'Usage: microforge add resource NAME --field NAME:TYPE[?] [--field ...] [options]',
    '',
    'Adds a resource of your own to a microforge repo with storage: a forward-only migration,',
    'a store with versioned updates and soft delete, routes with ETag/If-Match, validation',
    'schemas from the field types, paging, tests, and the cache and outbox events the repo has.',
    '',
    '  NAME               singular, a DNS-1123 label (order, order-line), not used yet',
    `  --field NAME:TYPE  a lowerCamel field; TYPE is one of ${FIELD_TYPES.join(', ')}; a trailing ? makes it optional`,
    `                     (repeat it; ${RESERVED_FIELD_NAMES.join(', ')} are reserved)`,
    '  --answers FILE     {"name": "order", "fields": ["total:number", "note:text?"]}; flags override it',
    '',
    ...Object.entries(UPDATE_FLAGS).map(([flag, declaration]) => `  --${flag.padEnd(16)} ${declaration.help}`),
    '',
    'On a terminal, a missing NAME or fields are asked for (fields one at a time).',
    'Exit codes: 0 done, 1 conflicts left for you (or a failed install), 2 bad input (nothing written).',
  ].join('\n');
}

interface ResourceAnswers {
  name?: string;
  fields?: string[];
}

function readResourceAnswers(path: string): ResourceAnswers {
  const { name, fields, ...rest } = readAnswersFile(path) as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new UsageError(`'${unknown}' in answers file ${path} is not known to add resource (expected: name, fields)`);
  if (name !== undefined && typeof name !== 'string') throw new UsageError(`'name' in answers file ${path} must be a string`);
  if (fields !== undefined && (!Array.isArray(fields) || fields.some((field) => typeof field !== 'string'))) {
    throw new UsageError(`'fields' in answers file ${path} must be a list of "NAME:TYPE" strings`);
  }
  return { name: name as string | undefined, fields: fields as string[] | undefined };
}

export type Ask = (message: string, problemWith: (value: string) => string | undefined) => Promise<string>;

function terminalAsk(): Ask {
  return async (message, problemWith) => {
    const question = { type: 'input', name: 'value', message, validate: (value: string) => problemWith(value) ?? true };
    const answers = (await (await loadTerminalAdapter()).prompt([question] as never)) as { value: string };
    return answers.value;
  };
}

const problemOf = (check: () => unknown): string | undefined => {
  try {
    check();
    return undefined;
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
};

/** Asks for fields one at a time until an empty answer (after at least one field). */
export async function askFields(resource: string, ask: Ask): Promise<ResourceField[]> {
  const fields: ResourceField[] = [];
  for (;;) {
    const answer = await ask(
      `Field ${fields.length + 1} of ${resource} as NAME:TYPE[?] (${FIELD_TYPES.join(', ')})${fields.length > 0 ? '; empty to finish' : ''}`,
      (value) => {
        if (value.trim() === '') return fields.length > 0 ? undefined : 'a resource needs at least one field';
        return problemOf(() => checkFields(resource, [...fields, parseField(value.trim())]));
      },
    );
    if (answer.trim() === '') return fields;
    fields.push(parseField(answer.trim()));
  }
}

/** Every migration file the repo has: what this version renders (`rendered`) and what the team added by hand. */
function migrationPaths(directory: string, rendered: RenderedTree): string[] {
  const onDisk = existsSync(join(directory, 'migrations')) ? readdirSync(join(directory, 'migrations')).map((file) => `migrations/${file}`) : [];
  return [...rendered.keys(), ...onDisk];
}

export async function addResourceCommand(argv: readonly string[], context: CommandContext): Promise<number> {
  const started = startRepoCommand(argv, { name: 'add resource', choiceKeys: [], extraFlags: RESOURCE_FLAGS, positionals: 1, help: addResourceHelp }, context);
  if (started === 'help-shown') return 0;
  const { args, previous, directory } = started;
  const spec = previous.spec;
  if (spec.storage !== 'postgres') {
    throw new UsageError('add resource needs storage: this repo has --storage none (run microforge add storage first)');
  }
  const answersPath = args.extra.answers as string | undefined;
  const fromFile = answersPath ? readResourceAnswers(answersPath) : {};
  const interactive = context.terminalAttached && !args.json && !args.dryRun && !args.yes;
  const ask = terminalAsk();
  const taken = [spec.resource, ...(spec.resources ?? []).map((resource) => resource.name)];
  const nameProblem = (value: string) => resourceNameProblem(value) ?? addedResourceNameProblem(value, taken);

  let name = args.positionals[0] ?? fromFile.name;
  if (name === undefined) {
    if (!interactive) throw new UsageError('add resource needs a NAME, e.g. microforge add resource order --field total:number');
    name = await ask('Resource name, singular (its routes, table and events are derived from it)', nameProblem);
  }
  const problem = nameProblem(name);
  if (problem) throw new UsageError(problem);

  const fieldTexts = (args.extra.field as string[] | undefined) ?? fromFile.fields;
  let fields: ResourceField[];
  if (fieldTexts !== undefined) fields = fieldTexts.map(parseField);
  else if (interactive) fields = await askFields(name, ask);
  else throw new UsageError(`add resource ${name} needs its fields: --field NAME:TYPE[?] (types: ${FIELD_TYPES.join(', ')})`);
  checkFields(name, fields);

  const previousRendered = renderRepo(spec);
  const added: ResourceSpec = { name, fields, migration: nextMigrationNumber(migrationPaths(directory, previousRendered)) };
  const nextSpec: ServiceSpec = { ...spec, resources: [...(spec.resources ?? []), added] };
  return runRepoUpdate({ ...started, nextSpec, reporter: context.reporter, title: `add resource ${name}`, previousRendered });
}
