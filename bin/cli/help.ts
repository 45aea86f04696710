import { COMPONENTS } from '../../generators/lib/components.js';
import { CHOICES, defaultFor, type ChoiceKey, type ServiceSpec } from '../../generators/lib/spec.js';
import { PACKAGE_MANAGER_FLAG, RUN_FLAGS } from './arguments.js';

const column = (left: string, right: string): string => `  ${left.padEnd(30)} ${right}`;

/**
 * The default of one choice as `new --yes` takes it: computed along the chain of earlier
 * defaults, and, where it depends on an earlier choice, what it becomes for that choice's other
 * values ("redis; none with --storage none").
 */
export function describeDefault(key: ChoiceKey): string {
  const chain: Partial<ServiceSpec> = {};
  for (const choice of CHOICES) {
    if (choice.key === key) break;
    (chain as Record<string, unknown>)[choice.key] = defaultFor(choice.key, chain, '');
  }
  const fallback = defaultFor(key, chain, '');
  const variants: string[] = [];
  for (const earlier of CHOICES) {
    if (earlier.key === key) break;
    if (earlier.kind === 'text') continue;
    for (const option of earlier.options) {
      if (option.value === chain[earlier.key]) continue;
      const alternative = defaultFor(key, { ...chain, [earlier.key]: option.value }, '');
      if (alternative !== fallback) variants.push(`${alternative ?? 'none'} with ${earlier.flag} ${option.value}`);
    }
  }
  return [String(fallback ?? 'none'), ...variants].join('; ');
}

/** Help for `microforge new`, written from the choice model so it cannot drift from the flags. */
export function newCommandHelp(binary: string): string {
  const lines = [
    `Usage: ${binary} [DIRECTORY] [options]`,
    '',
    'Generates a production-grade TypeScript microservice repository in DIRECTORY (default: the current directory).',
    'Asks for what is missing when a terminal is attached; otherwise uses the defaults (as --yes does).',
    '',
    'Choices (also keys of the --answers file):',
  ];
  for (const choice of CHOICES) {
    if (choice.kind === 'text') {
      const fallback = choice.key === 'name' ? 'the directory name' : String(defaultFor(choice.key, {}, ''));
      lines.push(column(`${choice.flag} ${choice.placeholder}`, `${choice.message} (default: ${fallback})`));
      continue;
    }
    lines.push(column(`${choice.flag} VALUE`, `${choice.message} (default: ${describeDefault(choice.key)})`));
    for (const option of choice.options) {
      const note = option.unavailable ? ' [not available yet]' : '';
      lines.push(column('', `  ${option.value}: ${option.implies}${note}`));
    }
  }
  lines.push('', 'Package manager (saved in the repo; also packageManager in the --answers file):');
  lines.push(column(`--${PACKAGE_MANAGER_FLAG.flag} ${PACKAGE_MANAGER_FLAG.placeholder}`, PACKAGE_MANAGER_FLAG.help));
  lines.push('', 'Run options (never saved in the repo):');
  for (const [flag, declaration] of Object.entries(RUN_FLAGS)) {
    const short = 'short' in declaration ? `-${declaration.short}, ` : '';
    const placeholder = 'placeholder' in declaration ? ` ${declaration.placeholder}` : '';
    lines.push(column(`${short}--${flag}${placeholder}`, declaration.help));
  }
  lines.push('', 'Exit codes: 0 done, 1 failure (e.g. the install), 2 bad input (nothing written), 130 cancelled.');
  return lines.join('\n');
}

export function mainHelp(): string {
  return [
    'Usage: microforge <command> [options]',
    '',
    'Commands:',
    column('new [DIRECTORY]', 'generate a new service repository (also: npm create microforge)'),
    column('add <component>', `add ${COMPONENTS.filter((component) => component.addable).map((component) => component.id).join(', ')} to a microforge repo; docker or kubernetes to any Node.js service`),
    column('add resource NAME', 'add a resource of your own (--field NAME:TYPE[?] ...) to a microforge repo with storage'),
    column('upgrade [--check]', 'bring a microforge repo up to these templates, merging your changes'),
    column('audit [DIRECTORY] [--json]', 'check manifests, Dockerfile and code against the guide (exit 1 on errors)'),
    '',
    column('-h, --help', 'show help (microforge new --help for every choice)'),
    column('-v, --version', 'print the version'),
  ].join('\n');
}
