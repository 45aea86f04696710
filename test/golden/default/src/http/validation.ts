/**
 * How requests are validated. Bodies strictly: JSON already has types, so a body is never
 * coerced ("5" is not 5, null is not 0, [5] is not 5, 123 is not "123"), non-finite numbers are
 * rejected, and no string may carry a NUL character or a lone surrogate (PostgreSQL text cannot
 * store either as sent). The query
 * string, path parameters and headers are text by nature and are coerced to their schema's types
 * (`?limit=10`), but never to a non-finite number: Ajv turns "Infinity" and "1e400" into
 * Infinity and then lets it pass minimum and maximum. Every validation error is collected, not just the first, and reported with the
 * property it concerns (src/http/errors.ts); unknown properties are an error that names them.
 * `uuid` means the canonical 8-4-4-4-12 form only: ajv-formats also accepts `urn:uuid:…`, which
 * PostgreSQL's uuid type does not.
 */
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { default as addFormats } from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Deeper than any schema of this service; deeper bodies are rejected before they cost anything. */
const MAX_BODY_DEPTH = 32;

function createAjv(options: Options): Ajv {
  const ajv = new Ajv({
    useDefaults: true,
    removeAdditional: false,
    // Every problem at once. Safe here: bodies are bounded (bodyLimit) and no schema has
    // patterns or uniqueItems whose cost grows with the number of errors.
    allErrors: true,
    strictNumbers: true,
    addUsedSchema: false,
    // Spares compiling the JSON Schema meta-schema at every start (6 % of the default service's
    // start-up instructions): the schemas are TypeBox's, built in code and checked by the tests,
    // and Ajv's strict mode still rejects unknown keywords.
    validateSchema: false,
    ...options,
  });
  addFormats.default(ajv);
  ajv.addFormat('uuid', CANONICAL_UUID);
  return ajv;
}

const bodyAjv = createAjv({ coerceTypes: false });
const textAjv = createAjv({ coerceTypes: 'array' });

/** Where in `value` a string holds a NUL character or the nesting is too deep, as a JSON pointer. */
function badStringOrDepth(value: unknown, pointer = '', depth = 0): { pointer: string; message: string } | undefined {
  if (depth > MAX_BODY_DEPTH) return { pointer, message: `must not be nested deeper than ${MAX_BODY_DEPTH} levels` };
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return { pointer, message: 'must not contain the NUL character (\\u0000)' };
    // A lone surrogate ("\ud800") cannot be stored as UTF-8: it would come back as U+FFFD.
    if (!value.isWellFormed()) return { pointer, message: 'must be well-formed unicode (no lone surrogates)' };
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    const childPointer = `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (key.includes('\u0000')) return { pointer: childPointer, message: 'property names must not contain the NUL character (\\u0000)' };
    const found = badStringOrDepth(child, childPointer, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Where a coerced query string, parameter or header value became a non-finite number (it was "Infinity", "1e400", ...). */
function nonFiniteNumber(value: unknown): { pointer: string; message: string } | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    for (const item of Array.isArray(child) ? child : [child]) {
      if (typeof item === 'number' && !Number.isFinite(item)) return { pointer: `/${key}`, message: 'must be a finite number' };
    }
  }
  return undefined;
}

/** `validate` plus a check the schema cannot express, reported as one more validation error. */
function withInputCheck(validate: ValidateFunction, problem: (data: unknown) => { pointer: string; message: string } | undefined): ValidateFunction {
  const check = ((data: unknown) => {
    const valid = validate(data);
    const errors: ErrorObject[] = [...(validate.errors ?? [])];
    const bad = problem(data);
    if (bad) errors.push({ instancePath: bad.pointer, schemaPath: '#', keyword: 'input', params: {}, message: bad.message });
    check.errors = errors.length > 0 ? errors : null;
    return valid && bad === undefined;
  }) as ValidateFunction;
  return check;
}

/**
 * The body schema of every route compiled so far, by "METHOD /url": the input fuzz test builds a
 * valid body from it for each route, so routes added later (add resource) are fuzzed too.
 */
export const bodySchemas = new Map<string, object>();

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart, method, url }) => {
  if (httpPart !== 'body') return withInputCheck(textAjv.compile(schema), nonFiniteNumber);
  bodySchemas.set(`${method} ${url}`, schema);
  // The body's own validator: NUL characters and depth, which the schema cannot express.
  return withInputCheck(bodyAjv.compile(schema), badStringOrDepth);
};

export interface ValidationProblem {
  in: string;
  property: string;
  message: string;
}

/** One problem per ajv error, naming the property: the missing one, the unknown one, or the one that is wrong. */
export function validationProblems(errors: readonly Partial<ErrorObject>[], part: string): ValidationProblem[] {
  return errors.map((error) => {
    const params = (error.params ?? {}) as Record<string, unknown>;
    const base = error.instancePath ?? '';
    if (error.keyword === 'additionalProperties') {
      const name = String(params['additionalProperty']);
      return { in: part, property: `${base}/${name}`, message: `unknown property "${name}" is not allowed` };
    }
    if (error.keyword === 'required') {
      return { in: part, property: `${base}/${String(params['missingProperty'])}`, message: 'is required' };
    }
    return { in: part, property: base, message: error.message ?? 'is invalid' };
  });
}

/** The one-line message of a validation error: every problem, each with its property. */
export function validationMessage(problems: readonly ValidationProblem[]): string {
  return problems.map((problem) => `${problem.in}${problem.property || ''} ${problem.message}`).join('; ');
}
