/**
 * Resources a team adds with `microforge add resource NAME --field NAME:TYPE[?] ...`: their
 * names, their fields and the number of the migration that creates each table. A field type is
 * declared once here, with everything the templates need (PostgreSQL column, TypeBox schema,
 * TypeScript type, how a row value becomes JSON), so no template compares type names.
 */
import pluralize from 'pluralize';
import { UsageError } from './usage-error.js';

export const FIELD_TYPES = ['string', 'text', 'integer', 'number', 'boolean', 'timestamp', 'uuid'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface ResourceField {
  name: string;
  type: FieldType;
  optional: boolean;
}

export interface ResourceSpec {
  /** Singular DNS-1123 label, e.g. `order-line`. */
  name: string;
  fields: readonly ResourceField[];
  /** Number of the migration that creates its table, fixed when the resource was added. */
  migration: number;
}

/** How one field type looks in each layer the generated service has. */
export interface FieldTypeMapping {
  /** PostgreSQL column type. */
  sql: string;
  /** A column check beyond the type, with `COLUMN` standing for the quoted column name. */
  sqlCheck?: string;
  /** TypeBox schema of the value in requests (`Type.` expression). */
  inputSchema: string;
  /** The request schema as the JSON Schema TypeBox builds from `inputSchema` (docs/asyncapi.yaml shows it). */
  inputJsonSchema: Readonly<Record<string, unknown>>;
  /** TypeBox schema of the value in responses. */
  outputSchema: string;
  /** TypeScript type of the value in requests and responses. */
  jsonType: string;
  /** TypeScript type of the value in the domain object (a timestamp is a Date there). */
  domainType: string;
  /** Type the pg driver returns for the column. */
  rowType: string;
  /** Turns the row value (`VALUE`) into the domain value. */
  fromRow: string;
  /** Turns the domain value (`VALUE`) into its JSON form. */
  toJson: string;
  /**
   * Two valid values and one of the wrong type (as TypeScript literals), for the generated tests.
   * The wrong ones stay wrong even where a validator coerces types ('42' → 42 would not).
   */
  samples: readonly [string, string];
  wrongType: string;
}

/** Free text up to `maxLength` characters, checked by the schema and by the column. */
function stringMapping(maxLength: number, samples: readonly [string, string], wrongType: string): FieldTypeMapping {
  return {
    sql: 'text',
    sqlCheck: `char_length(COLUMN) <= ${maxLength}`,
    inputSchema: `Type.String({ maxLength: ${maxLength} })`,
    inputJsonSchema: { type: 'string', maxLength },
    outputSchema: 'Type.String()',
    jsonType: 'string',
    domainType: 'string',
    rowType: 'string',
    fromRow: 'VALUE',
    toJson: 'VALUE',
    samples,
    wrongType,
  };
}

/**
 * integer is a 32-bit `integer`, not `bigint`: pg returns int8 as a string, and JSON numbers are
 * exact only up to 2^53, so a 64-bit column would round silently in clients. Counts and
 * quantities fit; identifiers are uuid. number is `numeric` (exact decimal in the database),
 * read back as a JSON number (a double: about 15 significant digits survive the round trip).
 */
export const FIELD_TYPE_MAPPINGS: Record<FieldType, FieldTypeMapping> = {
  string: stringMapping(200, ["'first'", "'second'"], "{ text: 'not a string' }"),
  text: stringMapping(100_000, ["'a longer text\\nover two lines'", "'another text'"], "['not', 'a string']"),
  integer: {
    sql: 'integer',
    inputSchema: 'Type.Integer({ minimum: -2_147_483_648, maximum: 2_147_483_647 })',
    inputJsonSchema: { type: 'integer', minimum: -2_147_483_648, maximum: 2_147_483_647 },
    outputSchema: 'Type.Integer()',
    jsonType: 'number',
    domainType: 'number',
    rowType: 'number',
    fromRow: 'VALUE',
    toJson: 'VALUE',
    samples: ['7', '-3'],
    wrongType: "'seven'",
  },
  number: {
    sql: 'numeric',
    // NaN and infinities are numeric values in PostgreSQL but not JSON numbers.
    sqlCheck: "COLUMN not in ('NaN', 'Infinity', '-Infinity')",
    inputSchema: 'Type.Number()',
    inputJsonSchema: { type: 'number' },
    outputSchema: 'Type.Number()',
    jsonType: 'number',
    domainType: 'number',
    // pg returns numeric as a string, so no digit is lost before the service decides.
    rowType: 'string',
    fromRow: 'Number(VALUE)',
    toJson: 'VALUE',
    samples: ['12.5', '-0.25'],
    wrongType: "'twelve'",
  },
  boolean: {
    sql: 'boolean',
    inputSchema: 'Type.Boolean()',
    inputJsonSchema: { type: 'boolean' },
    outputSchema: 'Type.Boolean()',
    jsonType: 'boolean',
    domainType: 'boolean',
    rowType: 'boolean',
    fromRow: 'VALUE',
    toJson: 'VALUE',
    samples: ['true', 'false'],
    wrongType: "'yes'",
  },
  timestamp: {
    sql: 'timestamptz',
    inputSchema: "Type.String({ format: 'date-time' })",
    inputJsonSchema: { type: 'string', format: 'date-time' },
    outputSchema: "Type.String({ format: 'date-time' })",
    jsonType: 'string',
    domainType: 'Date',
    rowType: 'Date',
    fromRow: 'VALUE',
    toJson: 'VALUE.toISOString()',
    samples: ["'2026-01-02T03:04:05.678Z'", "'2026-06-30T23:59:59.000Z'"],
    wrongType: "'next tuesday'",
  },
  uuid: {
    sql: 'uuid',
    inputSchema: "Type.String({ format: 'uuid' })",
    inputJsonSchema: { type: 'string', format: 'uuid' },
    outputSchema: "Type.String({ format: 'uuid' })",
    jsonType: 'string',
    domainType: 'string',
    rowType: 'string',
    fromRow: 'VALUE',
    toJson: 'VALUE',
    samples: ["'7d444840-9dc0-41ab-9a8b-5b3c1a6e1c02'", "'0b5e4a53-35f1-4c5b-8f0e-5a4f7a2b9c11'"],
    wrongType: "'not-a-uuid'",
  },
};

/** A module an added resource plugs into the registry (src/resources/index.ts): `src/<plural>/<file>.ts`. */
export interface ResourceModuleFile {
  file: string;
  /** The export is `<resourceCamel><exportSuffix>`. */
  exportSuffix: string;
}

/**
 * The modules each added resource registers: its routes over its store, and with messaging and
 * storage its queued updates (a command the consumer applies, like the example's adjustments).
 */
export function resourceModulesFor(spec: { messaging: string; storage: string }): ResourceModuleFile[] {
  const queued = spec.messaging !== 'none' && spec.storage === 'postgres';
  return [{ file: 'resource', exportSuffix: 'Resource' }, ...(queued ? [{ file: 'queued-updates', exportSuffix: 'QueuedUpdates' }] : [])];
}

/** Columns every resource has; a field may not take their names. */
export const RESERVED_FIELD_NAMES = ['id', 'version', 'createdAt', 'updatedAt', 'deletedAt'] as const;

/**
 * Plurals that would land in a folder or route the service already has (src/<plural>/,
 * /<plural>), or a table it already has.
 */
const RESERVED_RESOURCE_PLURALS = new Set([
  'livez', 'readyz', 'startupz', 'metrics', 'healthz', 'admin', 'settings', 'http', 'db', 'caches', 'cache', 'messaging',
  'resources', 'migrations', 'outboxes', 'outbox', 'inboxes', 'inbox', 'command-statuses', 'dynamic-settings', 'schema-migrations',
]);

export function fieldNameProblem(name: string): string | undefined {
  if (!/^[a-z][a-zA-Z0-9]*$/.test(name)) return `field name '${name}' must be a lowerCamel identifier: a lowercase letter, then letters and digits`;
  if (name.length > 40) return `field name '${name}' is too long; at most 40 characters are allowed`;
  if ((RESERVED_FIELD_NAMES as readonly string[]).includes(name)) {
    return `field name '${name}' is reserved: every resource has ${RESERVED_FIELD_NAMES.join(', ')}`;
  }
  return undefined;
}

/** `quantity:integer`, `note:text?` → a field; a usage error names what is wrong. */
export function parseField(text: string): ResourceField {
  const match = /^([^:]*):([^:?]*)(\?)?$/.exec(text);
  if (!match) return usage(`--field '${text}' must look like NAME:TYPE or NAME:TYPE? (types: ${FIELD_TYPES.join(', ')})`);
  const [, name = '', type = '', optional] = match;
  const problem = fieldNameProblem(name);
  if (problem) return usage(problem);
  if (!(FIELD_TYPES as readonly string[]).includes(type)) return usage(`field '${name}' has unknown type '${type}' (expected one of: ${FIELD_TYPES.join(', ')}; add ? for optional)`);
  return { name, type: type as FieldType, optional: optional === '?' };
}

function usage(message: string): never {
  throw new UsageError(message);
}

export function checkFields(resource: string, fields: readonly ResourceField[]): void {
  if (fields.length === 0) usage(`resource '${resource}' needs at least one field (--field NAME:TYPE)`);
  const seen = new Set<string>();
  for (const field of fields) {
    if (seen.has(field.name)) usage(`field '${field.name}' is given twice for resource '${resource}'`);
    seen.add(field.name);
  }
}

/** Problems of a new resource's name beyond the shared rules (spec.ts): what the repo already has. */
export function addedResourceNameProblem(name: string, taken: readonly string[]): string | undefined {
  if (taken.includes(name)) return `resource '${name}' already exists in this repo; choose another name`;
  const plural = pluralize.plural(name);
  const takenPlurals = taken.map((existing) => pluralize.plural(existing));
  if (takenPlurals.includes(plural)) return `resource '${name}' would share /${plural} with an existing resource; choose another name`;
  if (RESERVED_RESOURCE_PLURALS.has(plural) || RESERVED_RESOURCE_PLURALS.has(name)) {
    return `resource '${name}' would collide with the service's own ${plural} (a folder, route or table it already has); choose another name`;
  }
  return undefined;
}

/** Reads the `resources` entry of `.yo-rc.json` (absent in repos made before resources could be added). */
export function parseRecordedResources(raw: unknown, source: string): ResourceSpec[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) usage(`'resources' in ${source} must be a list`);
  return raw.map((entry: unknown) => {
    const record = entry as { name?: unknown; fields?: unknown; migration?: unknown } | null;
    if (typeof record?.name !== 'string' || !Array.isArray(record.fields) || typeof record.migration !== 'number') {
      return usage(`'resources' in ${source} holds an entry without name, fields and migration`);
    }
    const fields = record.fields.map((field: unknown) => {
      const { name, type, optional } = (field ?? {}) as Record<string, unknown>;
      return parseField(`${String(name)}:${String(type)}${optional === true ? '?' : ''}`);
    });
    checkFields(record.name, fields);
    return { name: record.name, fields, migration: record.migration };
  });
}

/** Zero-padded like the migrations the templates ship (`0006`). */
export const migrationPrefix = (number: number): string => String(number).padStart(4, '0');

/** The next migration number after every file in `migrations/` (rendered or the team's own). */
export function nextMigrationNumber(paths: Iterable<string>): number {
  let last = 0;
  for (const path of paths) {
    const match = /^migrations\/(\d+)_/.exec(path);
    if (match) last = Math.max(last, Number(match[1]));
  }
  return last + 1;
}
