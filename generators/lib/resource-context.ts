/**
 * The context one added resource's templates render with: the repo's context, with the
 * resource names of this resource instead of the example's, and its fields with every
 * per-layer form precomputed (resource-spec.ts), so templates loop over fields and never
 * compare type names.
 */
import { deletedEventTypeOf, updateCommandTypeOf, updatedEventTypeOf } from './resource-messages.js';
import { FIELD_TYPE_MAPPINGS, migrationPrefix, type ResourceSpec } from './resource-spec.js';
import { resourceNamesFor, type ResourceNames, type TemplateContext } from './template-context.js';

export interface FieldContext {
  name: string;
  /** The quoted snake_case column. */
  column: string;
  /** `foo_bar`, the key of the row object the pg driver returns. */
  rowKey: string;
  optional: boolean;
  /** Column definition for `create table`. */
  columnDefinition: string;
  inputSchema: string;
  /** Schema of the field in a queued update's changes: may be left out; null clears an optional field. */
  changeSchema: string;
  outputSchema: string;
  inputType: string;
  outputType: string;
  domainType: string;
  rowType: string;
  fromRow: string;
  toJson: string;
  sample: string;
  otherSample: string;
  wrongType: string;
  isTimestamp: boolean;
  /** What the value is in JSON, for the resource's docs. */
  jsonDescription: string;
}

const JSON_DESCRIPTIONS: Partial<Record<ResourceSpec['fields'][number]['type'], string>> = {
  integer: 'integer (32-bit)',
  timestamp: 'string, RFC 3339 date-time',
  uuid: 'string, uuid',
};

export interface ResourceTemplateContext extends Omit<TemplateContext, keyof ResourceNames>, ResourceNames {
  fields: FieldContext[];
  /** Whether any field is optional (the schemas then need `nullable`). */
  optionalFieldsAny: boolean;
  /** `'title', 'count'`: the required (or optional) field names as array items, so the rendered list reads as prettier prints it. */
  requiredFieldList: string;
  optionalFieldList: string;
  /** `0006`: the prefix of the migration that creates the table. */
  migrationPrefix: string;
  /** Type of the event a delete writes to the outbox: `<resource>.deleted`. */
  deletedEventType: string;
  /** Type of the queued update command (with messaging and storage): `update-<resource>`. */
  updateCommandType: string;
  /** Type of the event an applied queued update writes to the outbox: `<resource>.updated`. */
  updatedEventType: string;
  /** The repo's example resource, which keeps its own wiring. */
  example: ResourceNames;
}

const fieldList = (resource: ResourceSpec, optional: boolean): string =>
  resource.fields
    .filter((field) => field.optional === optional)
    .map((field) => `'${field.name}'`)
    .join(', ');
const columnOf = (field: string): string => field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
const nullable = (type: string, optional: boolean): string => (optional ? `${type} | null` : type);

function fieldContext(field: ResourceSpec['fields'][number]): FieldContext {
  const mapping = FIELD_TYPE_MAPPINGS[field.type];
  const rowKey = columnOf(field.name);
  const column = `"${rowKey}"`;
  const check = mapping.sqlCheck ? ` check (${mapping.sqlCheck.replaceAll('COLUMN', column)})` : '';
  const fromRow = mapping.fromRow.replaceAll('VALUE', `row.${rowKey}`);
  const toJson = mapping.toJson.replaceAll('VALUE', `entity.${field.name}`);
  return {
    name: field.name,
    column,
    rowKey,
    optional: field.optional,
    columnDefinition: `${column} ${mapping.sql}${field.optional ? '' : ' not null'}${check}`,
    // Optional: may be left out or null in a request, null in responses when unset (nullable()
    // in src/resources/http-schemas.ts says why it is not a union).
    inputSchema: field.optional ? `Type.Optional(nullable(${mapping.inputSchema}))` : mapping.inputSchema,
    changeSchema: `Type.Optional(${field.optional ? `nullable(${mapping.inputSchema})` : mapping.inputSchema})`,
    outputSchema: field.optional ? `nullable(${mapping.outputSchema})` : mapping.outputSchema,
    inputType: nullable(mapping.jsonType, field.optional),
    outputType: nullable(mapping.jsonType, field.optional),
    domainType: nullable(mapping.domainType, field.optional),
    rowType: nullable(mapping.rowType, field.optional),
    fromRow: field.optional && fromRow !== `row.${rowKey}` ? `row.${rowKey} === null ? null : ${fromRow}` : fromRow,
    toJson: field.optional && toJson !== `entity.${field.name}` ? `entity.${field.name} === null ? null : ${toJson}` : toJson,
    sample: mapping.samples[0],
    otherSample: mapping.samples[1],
    wrongType: mapping.wrongType,
    isTimestamp: field.type === 'timestamp',
    jsonDescription: `${JSON_DESCRIPTIONS[field.type] ?? mapping.jsonType}${field.optional ? ' or null' : ''}`,
  };
}

export function resourceContextFor(context: TemplateContext, resource: ResourceSpec): ResourceTemplateContext {
  const names = resourceNamesFor(resource.name);
  return {
    ...context,
    ...names,
    fields: resource.fields.map(fieldContext),
    optionalFieldsAny: resource.fields.some((field) => field.optional),
    requiredFieldList: fieldList(resource, false),
    optionalFieldList: fieldList(resource, true),
    migrationPrefix: migrationPrefix(resource.migration),
    deletedEventType: deletedEventTypeOf(resource.name),
    updateCommandType: updateCommandTypeOf(resource.name),
    updatedEventType: updatedEventTypeOf(resource.name),
    example: resourceNamesFor(context.resource),
  };
}
