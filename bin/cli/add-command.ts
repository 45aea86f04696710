/**
 * `microforge add <component>`: the repo as `new` would have rendered it with the combined
 * choices, except for what the user changed (merged, kept, or reported as a conflict).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { COMPONENTS } from '../../generators/lib/components.js';
import { YO_RC_PATH } from '../../generators/lib/render.js';
import type { Component } from '../../generators/lib/component.js';
import { checkAvailability, checkContradictions, checkGivenChoices, completeSpec, type ServiceSpec } from '../../generators/lib/spec.js';
import { UsageError } from '../../generators/lib/usage-error.js';
import { adoptCommand, adoptionHelp } from './adopt-command.js';
import type { CommandContext } from './command-context.js';
import { runRepoUpdate, startRepoCommand } from './repo-update.js';
import { addResourceCommand } from './resource-command.js';
import { UPDATE_FLAGS } from './update-arguments.js';

const addableComponents = () => COMPONENTS.filter((component) => component.addable);

function availableToAdd(component: Component): boolean {
  try {
    checkAvailability(component.addable?.whenAdded ?? {});
    return true;
  } catch {
    return false;
  }
}

function addHelp(): string {
  const names = addableComponents().map((component) => component.id).join('|');
  return [
    `Usage: microforge add <${names}|resource|docker|kubernetes> [options]`,
    '',
    'Adds a component to the microforge repo in the current directory, exactly as `microforge new`',
    'would have rendered it with the combined choices. Files you changed are merged (3-way) or',
    'reported as conflicts, never silently overwritten; files you own are left alone.',
    '',
    ...addableComponents().map((component) => `  ${component.id}: ${component.addable?.choices.map((key) => `--${key}`).join(', ')}${availableToAdd(component) ? '' : ' [not available yet]'}`),
    '  resource NAME --field NAME:TYPE[?] ...: a resource of your own (see microforge add resource --help)',
    '',
    ...Object.entries(UPDATE_FLAGS).map(([flag, declaration]) => `  --${flag.padEnd(14)} ${declaration.help}`),
    '',
    adoptionHelp(),
    '',
    'Exit codes: 0 done, 1 conflicts left for you (or a failed install), 2 bad input (nothing written).',
  ].join('\n');
}

export async function addCommand(argv: readonly string[], context: CommandContext): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    context.reporter.info(addHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === 'resource') return addResourceCommand(rest, context);
  if (name === 'docker' || name === 'kubernetes') {
    if (existsSync(join(process.cwd(), YO_RC_PATH))) {
      throw new UsageError(`this repo already has ${name}: every repo microforge generates does (microforge upgrade keeps it current)`);
    }
    return adoptCommand(name, rest, context);
  }
  const component = COMPONENTS.find((candidate) => candidate.id === name && candidate.addable);
  if (!component?.addable) {
    throw new UsageError(`unknown component '${name}' (microforge add takes: ${[...addableComponents().map((candidate) => candidate.id), 'resource', 'docker', 'kubernetes'].join(', ')})`);
  }
  const { addable } = component;
  const started = startRepoCommand(rest, { name: `add ${component.id}`, choiceKeys: addable.choices, help: addHelp }, context);
  if (started === 'help-shown') return 0;
  const { args, previous } = started;
  if (addable.presentIn(previous.spec)) {
    const current = addable.choices.map((key) => `--${key} ${String(previous.spec[key])}`).join(' ');
    throw new UsageError(`this repo already has ${component.id} (${current}); nothing to add`);
  }
  const given = checkGivenChoices(args.choices, 'flag');
  // Name each value by where it came from: the flags typed, add's default, or the repo's record.
  checkContradictions({ ...previous.spec, ...addable.whenAdded, ...given }, (key, value) =>
    key in given
      ? `--${key} ${value}`
      : key in addable.whenAdded
        ? `add ${component.id} (${key} ${value} by default)`
        : `this repo's ${key} ${value} (in .yo-rc.json)`,
  );
  const nextSpec: ServiceSpec = completeSpec({ ...previous.spec, ...addable.whenAdded, ...given }, previous.spec.name);
  if (!addable.presentIn(nextSpec)) {
    throw new UsageError(`add ${component.id} with ${addable.choices.map((key) => `--${key} ${String(nextSpec[key])}`).join(' ')} adds nothing`);
  }
  return runRepoUpdate({ ...started, nextSpec, reporter: context.reporter, title: `add ${component.id}` });
}
