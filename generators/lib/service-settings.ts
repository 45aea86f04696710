/**
 * The generated service's settings, declared once as data by the component that brings them
 * (`settings` in generators/<component>/component.ts). From that one declaration come the config
 * schema of `src/config.ts` (its keys, types, defaults and validation), the values its test
 * passes, the README's configuration table and the `.env.development` lines.
 * test/unit/docs-drift.test.ts still reads the rendered schema back and compares it with the table.
 */
import type { SpecContext } from './spec-context.js';

/** How `src/config.ts` validates a setting: each kind renders one TypeBox expression. */
export type SettingSchema =
  | { type: 'port'; default: number }
  | { type: 'string'; default?: string; pattern?: string; minLength?: number; maxLength?: number; errorMessage: string }
  /** `unit` is said in the error message: `must be an integer number of hours between …`. */
  | { type: 'integer'; default: number; minimum: number; maximum: number; unit?: string }
  | { type: 'milliseconds'; default: number; minimum: number; maximum: number }
  | { type: 'boolean'; default: boolean }
  /** One of `values`, declared as the constant `list` (`item` names one value in its map). */
  | { type: 'oneOf'; default: string; values: readonly string[]; list: string; item: string }
  /** Built by a helper function the component's `config-helpers` section defines; `default` is for the table. */
  | { type: 'helper'; call: string; default: string };

export interface ServiceSetting {
  /** The environment variable (and CONFIG_FILE key). */
  name: string;
  /** The default as the schema declares it, or null when the setting has none (then it is required). */
  defaultValue: string | null;
  /** Said after the default in the README, e.g. where a deployment overrides it. */
  defaultNote: string;
  required: boolean;
  /** Required when NODE_ENV=production only; development and test have a stand-in (the embedded database). */
  requiredInProductionOnly: boolean;
  /** Holds credentials: comes from a Secret, is never logged or committed. */
  secret: boolean;
  /** The README's description. */
  description: string;
  /** Its entry in the config schema; absent for settings read outside it (CONFIG_FILE, OTEL_*). */
  schema: SettingSchema | null;
  /** The doc comment above its schema entry ('' for none). */
  schemaComment: string;
  /** Its `.env.development` value: where `npm run dev` and `npm test` find it locally (null: not set there). */
  development: string | null;
  /** A valid value the generated config test passes for it (null: the test relies on the default). */
  testValue: string | null;
}

/** The context the settings are derived from: the names and flags of the spec, never what components contribute. */
export type SettingsContext = SpecContext;

/**
 * What a component writes: `optional` means no default, and the service runs without it; without a
 * default and not optional, a setting is required. A setting with a schema takes its default from it.
 */
export type SettingDeclaration = {
  name: string;
  secret: boolean;
  description: string;
  schema?: SettingSchema;
  schemaComment?: string;
  /** Only for settings without a schema (read outside it). */
  defaultValue?: string | null;
  defaultNote?: string;
  optional?: true;
  productionOnly?: true;
  development?: string;
  testValue?: string;
};

function schemaDefault(schema: SettingSchema): string | null {
  return schema.type === 'string' && schema.default === undefined ? null : String(schema.default);
}

export function setting({ optional, productionOnly, schema, defaultValue, ...declared }: SettingDeclaration): ServiceSetting {
  const resolvedDefault = schema ? schemaDefault(schema) : (defaultValue ?? null);
  return {
    defaultNote: declared.defaultNote ?? '',
    schemaComment: declared.schemaComment ?? '',
    name: declared.name,
    secret: declared.secret,
    description: declared.description,
    schema: schema ?? null,
    defaultValue: resolvedDefault,
    required: resolvedDefault === null && optional !== true,
    requiredInProductionOnly: productionOnly === true,
    development: declared.development ?? null,
    testValue: declared.testValue ?? null,
  };
}

/** A number as the generated code writes it: digit groups from five digits on (`10_000`, but `8000`). */
function numberLiteral(value: number): string {
  return Math.abs(value) >= 10_000 ? String(value).replace(/\B(?=(\d{3})+(?!\d))/g, '_') : String(value);
}

const quoted = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The TypeBox expression (one line, or lines indented for the schema's properties) of a setting. */
function schemaExpression(entry: ServiceSetting, schema: SettingSchema): string {
  switch (schema.type) {
    case 'port':
      return `Type.Integer({ default: ${schema.default}, minimum: 0, maximum: 65535, errorMessage: 'must be an integer port between 0 and 65535' })`;
    case 'string': {
      const options = [
        ...(schema.default === undefined ? [] : [`default: ${quoted(schema.default)}`]),
        ...(schema.pattern === undefined ? [] : [`pattern: ${quoted(schema.pattern)}`]),
        ...(schema.minLength === undefined ? [] : [`minLength: ${numberLiteral(schema.minLength)}`]),
        ...(schema.maxLength === undefined ? [] : [`maxLength: ${numberLiteral(schema.maxLength)}`]),
        `errorMessage: ${quoted(schema.errorMessage)}`,
      ];
      const expression = `Type.String({ ${options.join(', ')} })`;
      // Optional: no default, and the service starts without it (or, required in production only, outside production).
      return entry.defaultValue === null && (!entry.required || entry.requiredInProductionOnly) ? `Type.Optional(${expression})` : expression;
    }
    case 'integer': {
      const message = `must be an integer ${schema.unit ? `${schema.unit} ` : ''}between ${schema.minimum} and ${schema.maximum}`;
      return `Type.Integer({ default: ${numberLiteral(schema.default)}, minimum: ${numberLiteral(schema.minimum)}, maximum: ${numberLiteral(schema.maximum)}, errorMessage: '${message}' })`;
    }
    case 'milliseconds':
      return `milliseconds(${[schema.default, schema.minimum, schema.maximum].map(numberLiteral).join(', ')})`;
    case 'boolean':
      return `Type.Boolean({ default: ${schema.default}, errorMessage: 'must be true or false' })`;
    case 'oneOf':
      return [
        'Type.Union(',
        `      ${schema.list}.map((${schema.item}) => Type.Literal(${schema.item})),`,
        `      { default: ${quoted(schema.default)}, errorMessage: \`must be one of \${${schema.list}.join(', ')}\` },`,
        '    )',
      ].join('\n');
    case 'helper':
      return schema.call;
  }
}

/** What `src/config.ts` and its test render from the settings. */
export interface ConfigContext {
  /** `const LOG_LEVELS = [...] as const;` lines of the settings that are one of a list. */
  lists: string[];
  /** The schema's property lines (doc comments included), in declaration order. */
  schema: string[];
  /** `'DATABASE_URL'`, comma-separated: the settings production cannot run without, while development and test can. */
  requiredInProduction: string;
  /** Settings the config test passes a value for, as `const NAME = 'value';` lines. */
  testValues: string[];
  /** The test's `required` object literal: every setting with a test value. */
  testRequired: string;
}

export function configContextFor(settings: readonly ServiceSetting[]): ConfigContext {
  const inSchema = settings.filter((entry) => entry.schema !== null);
  const withTestValue = settings.filter((entry) => entry.testValue !== null);
  return {
    lists: inSchema.flatMap(({ schema }) => (schema?.type === 'oneOf' ? [`const ${schema.list} = [${schema.values.map(quoted).join(', ')}] as const;`] : [])),
    schema: inSchema.flatMap((entry) => [
      ...(entry.schemaComment ? [`    /** ${entry.schemaComment} */`] : []),
      `    ${entry.name}: ${schemaExpression(entry, entry.schema as SettingSchema)},`,
    ]),
    requiredInProduction: inSchema
      .filter((entry) => entry.requiredInProductionOnly)
      .map((entry) => quoted(entry.name))
      .join(', '),
    testValues: withTestValue.map((entry) => `const ${entry.name} = ${quoted(entry.testValue as string)};`),
    testRequired: withTestValue.length === 0 ? '{}' : `{ ${withTestValue.map((entry) => entry.name).join(', ')} }`,
  };
}

/** `.env.development` lines of the settings that have a local value. */
export function developmentLines(settings: readonly ServiceSetting[]): string[] {
  return settings.flatMap((entry) => (entry.development === null ? [] : [`${entry.name}=${entry.development}`]));
}

/** One README table row per setting. */
export function settingsTableRows(settings: readonly ServiceSetting[]): string[] {
  const yesNo = (value: boolean): string => (value ? '**yes**' : 'no');
  return settings.map((entry) => {
    const defaultCell = entry.defaultValue === null ? (entry.defaultNote || 'none') : `\`${entry.defaultValue}\`${entry.defaultNote}`;
    const requiredCell = entry.required && entry.requiredInProductionOnly ? '**in production**' : yesNo(entry.required);
    return `| \`${entry.name}\` | ${defaultCell} | ${requiredCell} | ${yesNo(entry.secret)} | ${entry.description} |`;
  });
}
