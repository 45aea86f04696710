/**
 * The choice model: the only place a choice is defined. Flags, prompts, the answers file,
 * defaults, validation, help text, `.yo-rc.json` and the template context all derive from
 * CHOICES, so they cannot disagree.
 */
import pluralize from 'pluralize';
import type { ResourceSpec } from './resource-spec.js';
import { UsageError } from './usage-error.js';

export const MESSAGING_VALUES = ['none', 'at-most-once', 'at-least-once'] as const;
export const BROKER_VALUES = ['rabbitmq', 'nats'] as const;
export const CACHE_VALUES = ['none', 'memory', 'redis'] as const;
export const STORAGE_VALUES = ['none', 'postgres'] as const;

export type Messaging = (typeof MESSAGING_VALUES)[number];
export type Broker = (typeof BROKER_VALUES)[number];
export type Cache = (typeof CACHE_VALUES)[number];
export type Storage = (typeof STORAGE_VALUES)[number];

/** The broker messaging uses when none is chosen: the one place that says so. */
export const DEFAULT_BROKER: Broker = 'rabbitmq';

/** A cache fronts reads of stored data, so it needs storage: the one place that says so (unknown storage allows it). */
export function cacheAllowedWith(storage: Storage | undefined): boolean {
  return storage !== 'none';
}

/** A complete, validated set of choices. `broker` is null exactly when messaging is none. */
export interface ServiceSpec {
  name: string;
  resource: string;
  messaging: Messaging;
  broker: Broker | null;
  cache: Cache;
  storage: Storage;
  /** Resources added with `microforge add resource`, in the order they were added (absent: none). */
  resources?: readonly ResourceSpec[];
  /**
   * The package manager the repo installs with, pinned (`pnpm@12.23.0`, `yarn@4.18.1`); absent:
   * npm. Not asked for: it comes from `--package-manager` or the manager that ran `create`
   * (package-manager.ts).
   */
  packageManager?: string;
  /**
   * true: the repo pins create-microforge as a devDependency and its scripts run the local
   * `microforge` (decided at `new`: cli-dependency.ts); absent: they run it through `npx -p`.
   */
  cliDependency?: true;
}

/** Keys asked for by `new` (flags, prompts, answers file); resources come from `add resource`, the package manager from how `new` ran. */
export type ChoiceKey = Exclude<keyof ServiceSpec, 'resources' | 'packageManager' | 'cliDependency'>;
/** Choices as they arrive from flags, an answers file or prompts: any subset, not yet checked. */
export type PartialChoices = Partial<Record<ChoiceKey, unknown>>;

export interface ChoiceOption {
  value: string;
  label: string;
  /** What picking this value commits the service to; shown in prompts and --help. */
  implies: string;
  /** Why the value cannot be chosen yet in this release, or undefined when it can. */
  unavailable?: string;
}

interface ChoiceBase {
  key: ChoiceKey;
  flag: `--${string}`;
  /** Prompt group heading, so related questions are asked together. */
  group: 'Service' | 'Data' | 'Messaging';
  message: string;
  /** Only ask (and only accept) this choice when the rest of the answers allow it. */
  relevantWhen?(choices: Partial<ServiceSpec>): boolean;
}

export interface TextChoice extends ChoiceBase {
  kind: 'text';
  placeholder: string;
  /** A problem with the value as one sentence, or undefined when it is fine. */
  problemWith(value: string): string | undefined;
}

export interface EnumChoice extends ChoiceBase {
  kind: 'enum';
  options: readonly ChoiceOption[];
}

export type Choice = TextChoice | EnumChoice;


/** Names of routes the service itself serves; a resource must not shadow them. */
const RESERVED_RESOURCE_PATHS = new Set(['livez', 'readyz', 'startupz', 'metrics', 'healthz']);

export function dnsLabelProblem(value: string, what: string): string | undefined {
  if (value.length === 0) return `${what} must not be empty`;
  if (value.includes('/') || value.includes('..') || value.includes('\\')) {
    return `${what} '${value}' must not contain '/', '\\' or '..'`;
  }
  if (value.length > 63) return `${what} '${value}' is ${value.length} characters long; at most 63 are allowed (a Kubernetes object name)`;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value)) {
    return `${what} '${value}' must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit`;
  }
  return undefined;
}

/** A DNS-1123 label that also names a Kubernetes Service, whose names must start with a letter (DNS-1035). */
export function serviceNameProblem(value: string): string | undefined {
  const labelProblem = dnsLabelProblem(value, 'name');
  if (labelProblem) return labelProblem;
  if (!/^[a-z]/.test(value)) return `name '${value}' must start with a letter: it also names the Kubernetes Service, whose names are DNS-1035 labels`;
  return undefined;
}

export function resourceNameProblem(value: string): string | undefined {
  const labelProblem = dnsLabelProblem(value, 'resource');
  if (labelProblem) return labelProblem;
  if (!/^[a-z]/.test(value)) return `resource '${value}' must start with a letter (it becomes a TypeScript type and an SQL table)`;
  if (value.length > 40) return `resource '${value}' is too long; at most 40 characters are allowed`;
  const plural = pluralize.plural(value);
  if (plural === value) return `resource '${value}' must be a singular noun with a distinct plural (it names both /${value} collections and single items)`;
  if (RESERVED_RESOURCE_PATHS.has(plural) || RESERVED_RESOURCE_PATHS.has(value)) {
    return `resource '${value}' would collide with the service's own /${plural} endpoint; choose another name`;
  }
  return undefined;
}

export const CHOICES: readonly Choice[] = [
  {
    key: 'name',
    kind: 'text',
    flag: '--name',
    group: 'Service',
    message: 'Service name (a Kubernetes object name, also the package name)',
    placeholder: 'NAME',
    problemWith: serviceNameProblem,
  },
  {
    key: 'resource',
    kind: 'text',
    flag: '--resource',
    group: 'Service',
    message: 'Example resource, singular (its routes, table and events are derived from it)',
    placeholder: 'RESOURCE',
    problemWith: resourceNameProblem,
  },
  {
    key: 'storage',
    kind: 'enum',
    flag: '--storage',
    group: 'Data',
    message: 'Storage owned by this service',
    options: [
      { value: 'none', label: 'none', implies: 'stateless: the example endpoint computes without keeping anything' },
      {
        value: 'postgres',
        label: 'PostgreSQL',
        implies: 'the service owns its own database: migrations, versioned rows (ETag/If-Match), no sharing with other services',
      },
    ],
  },
  {
    key: 'cache',
    kind: 'enum',
    flag: '--cache',
    group: 'Data',
    message: 'Read cache in front of the storage',
    relevantWhen: (choices) => cacheAllowedWith(choices.storage),
    options: [
      { value: 'none', label: 'none', implies: 'every read goes to the database' },
      { value: 'memory', label: 'in memory', implies: 'per-instance cache, invalidated across instances by a broadcast' },
      { value: 'redis', label: 'Redis', implies: 'shared cache; the service keeps serving from the database when Redis is down' },
    ],
  },
  {
    key: 'messaging',
    kind: 'enum',
    flag: '--messaging',
    group: 'Messaging',
    message: 'Messaging semantics',
    options: [
      { value: 'none', label: 'none', implies: 'no broker; the service only answers HTTP' },
      { value: 'at-most-once', label: 'at-most-once', implies: 'ack before processing: a crash loses in-flight messages, never duplicates them' },
      { value: 'at-least-once', label: 'at-least-once', implies: 'ack after the effect is committed: duplicates happen and the consumer must make them harmless' },
    ],
  },
  {
    key: 'broker',
    kind: 'enum',
    flag: '--broker',
    group: 'Messaging',
    message: 'Message broker',
    relevantWhen: (choices) => choices.messaging !== undefined && choices.messaging !== 'none',
    options: [
      { value: 'rabbitmq', label: 'RabbitMQ', implies: 'quorum queues, publisher confirms, dead-letter exchange' },
      { value: 'nats', label: 'NATS JetStream', implies: 'streams and durable consumers, PubAck with message ids' },
    ],
  },
];

export function choiceFor(key: ChoiceKey): Choice {
  const choice = CHOICES.find((candidate) => candidate.key === key);
  if (!choice) throw new Error(`no choice declared for ${key}`);
  return choice;
}

export const CHOICE_KEYS: readonly ChoiceKey[] = CHOICES.map((choice) => choice.key);

/** Defaults for everything not given. The name's default comes from the target directory. */
export function defaultFor(key: ChoiceKey, known: Partial<ServiceSpec>, directoryName: string): ServiceSpec[ChoiceKey] {
  switch (key) {
    case 'name':
      return directoryName;
    case 'resource':
      return 'item';
    case 'storage':
      return 'postgres';
    case 'cache':
      // A cache fronts stored data: Redis with PostgreSQL (shared by the replicas, never needed
      // for readiness), nothing without storage.
      return known.storage === 'postgres' ? 'redis' : 'none';
    case 'messaging':
      return 'at-least-once';
    case 'broker':
      return known.messaging && known.messaging !== 'none' ? DEFAULT_BROKER : null;
  }
}

function describeSource(key: ChoiceKey, source: string): string {
  return source === 'flag' ? choiceFor(key).flag : `'${key}' in ${source}`;
}

/**
 * Checks one value on its own (type, format, allowed value) and returns it typed.
 * `source` names where it came from ('flag' or a file), so the error points there.
 */
export function checkValue(key: ChoiceKey, raw: unknown, source: string): string | null {
  const choice = choiceFor(key);
  if (raw === null && key === 'broker') return null;
  if (typeof raw !== 'string') {
    throw new UsageError(`${describeSource(key, source)} must be a string, got ${raw === null ? 'null' : typeof raw}`);
  }
  if (choice.kind === 'text') {
    const problem = choice.problemWith(raw);
    if (problem) throw new UsageError(problem);
    return raw;
  }
  if (!choice.options.some((option) => option.value === raw)) {
    const allowed = choice.options.map((option) => option.value).join(', ');
    throw new UsageError(`${describeSource(key, source)} has unknown value '${raw}' (expected one of: ${allowed})`);
  }
  return raw;
}

/** Checks every given value on its own; returns them typed. */
export function checkGivenChoices(given: PartialChoices, source: string): Partial<ServiceSpec> {
  const checked: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(given)) {
    if (!CHOICE_KEYS.includes(key as ChoiceKey)) {
      throw new UsageError(`${source === 'flag' ? `--${key}` : `'${key}' in ${source}`} is not a known choice (expected one of: ${CHOICE_KEYS.join(', ')})`);
    }
    if (raw === undefined) continue;
    checked[key] = checkValue(key as ChoiceKey, raw, source);
  }
  return checked as Partial<ServiceSpec>;
}

/**
 * Where a value came from, for error messages: a flag by default; `add` names the repo's
 * recorded choices and its own default instead of flags the user never typed.
 */
export type ValueSource = (key: ChoiceKey, value: string) => string;

const asFlag: ValueSource = (key, value) => `${choiceFor(key).flag} ${value}`;

/** Combinations that contradict each other, checked on whatever subset is known. */
export function checkContradictions(choices: Partial<ServiceSpec>, sourceOf: ValueSource = asFlag): void {
  if (choices.broker && choices.messaging === 'none') {
    throw new UsageError(`${sourceOf('broker', choices.broker)} contradicts ${sourceOf('messaging', 'none')}: a broker is only used with at-most-once or at-least-once messaging`);
  }
  if (choices.cache && choices.cache !== 'none' && !cacheAllowedWith(choices.storage)) {
    throw new UsageError(`${sourceOf('cache', choices.cache)} contradicts ${sourceOf('storage', 'none')}: a cache fronts reads of stored data, so it needs PostgreSQL storage (--storage postgres; in an existing repo, microforge add storage)`);
  }
  if (choices.resources?.length && choices.storage === 'none') {
    throw new UsageError('added resources need storage: this repo has --storage none (microforge add storage first)');
  }
}

/** Values this release cannot build yet are refused instead of rendering a half-built stub. */
export function checkAvailability(choices: Partial<ServiceSpec>, exempt: readonly ChoiceKey[] = []): void {
  for (const choice of CHOICES) {
    if (choice.kind !== 'enum' || exempt.includes(choice.key)) continue;
    const value = choices[choice.key];
    const option = choice.options.find((candidate) => candidate.value === value);
    if (option?.unavailable) throw new UsageError(`${choice.flag} ${option.value} is ${option.unavailable}`);
  }
}

export interface CompleteSpecOptions {
  /**
   * Accept values still marked unavailable (all of them, or those of the given choices). Only
   * for tests of a component while it is being built (render, audit, e2e); the CLI never sets
   * it, so users cannot pick a half-built value.
   */
  includeUnavailable?: boolean | readonly ChoiceKey[];
}

/**
 * Fills defaults for what is missing and validates the whole. The only way to get a ServiceSpec.
 * `directoryName` is the target directory's base name, the default service name.
 */
export function completeSpec(given: Partial<ServiceSpec>, directoryName: string, options: CompleteSpecOptions = {}): ServiceSpec {
  const known: Partial<ServiceSpec> = { ...given };
  for (const key of CHOICE_KEYS) {
    if (known[key] === undefined) {
      (known as Record<string, unknown>)[key] = defaultFor(key, known, directoryName);
    }
  }
  if (given.name === undefined) {
    const problem = serviceNameProblem(directoryName);
    if (problem) throw new UsageError(`the directory name cannot be the service name (${problem}); pass --name`);
  }
  checkContradictions(known);
  if (options.includeUnavailable !== true) checkAvailability(known, options.includeUnavailable || []);
  if (known.messaging !== 'none' && !known.broker) known.broker = DEFAULT_BROKER;
  return {
    name: known.name as string,
    resource: known.resource as string,
    messaging: known.messaging as Messaging,
    broker: known.messaging === 'none' ? null : (known.broker as Broker),
    cache: known.cache as Cache,
    storage: known.storage as Storage,
    ...(given.resources?.length ? { resources: given.resources } : {}),
    ...(given.packageManager !== undefined ? { packageManager: given.packageManager } : {}),
    ...(given.cliDependency === true ? { cliDependency: true as const } : {}),
  };
}

