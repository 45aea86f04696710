/**
 * Schema rules: every object against the Kubernetes API schema of its apiVersion/kind, read from
 * k8s-fields.json (built from @kubernetes/client-node's models and kubernetes-models' OpenAPI
 * validators by test/unit/audit/support/build-field-map.ts; neither package ships with the CLI):
 *  - a strict walk over the API's field names reports every field the API server would drop or
 *    reject: `imagePullPolcy`, `spec.replica`;
 *  - the same walk checks required fields, value types and enums (`replicas: "3"`,
 *    `imagePullPolicy: Sometimes`, `value: yes` read as a boolean).
 */
import fieldMap from './k8s-fields.json' with { type: 'json' };
import type { Hit, ManifestObject, Obj, Rule } from './model.js';
import { isObj, refOf } from './objects.js';
import { AUDITED_CUSTOM_KINDS } from './rules/monitoring.js';

const FIELDS = fieldMap as {
  kinds: Record<string, string>;
  types: Record<string, Record<string, string>>;
  required: Record<string, string[]>;
  leaves: Record<string, Record<string, string>>;
};

const kindKey = (raw: Obj): string => `${String(raw.apiVersion ?? '')} ${String(raw.kind ?? '')}`;
export const hasBuiltInSchema = (raw: Obj): boolean => kindKey(raw) in FIELDS.kinds;

function pathText(segments: readonly (string | number)[]): string {
  return segments.map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : index === 0 ? segment : `.${segment}`)).join('') || '(root)';
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}

function suggestion(field: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(field, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(field.length / 4)) ? best : undefined;
}

/** Unknown fields of one object, as [path, suggestion] pairs. */
export function unknownFields(raw: Obj): Array<{ path: string; field: string; suggestion?: string }> {
  const root = FIELDS.kinds[kindKey(raw)];
  if (!root) return [];
  const found: Array<{ path: string; field: string; suggestion?: string }> = [];
  const walk = (value: unknown, type: string, path: (string | number)[]): void => {
    if (!isObj(value)) return;
    const fields = FIELDS.types[type];
    if (!fields) return;
    for (const [key, child] of Object.entries(value)) {
      const code = fields[key];
      if (code === undefined) {
        const hint = suggestion(key, Object.keys(fields));
        found.push({ path: pathText([...path, key]), field: key, ...(hint ? { suggestion: hint } : {}) });
        continue;
      }
      if (code === '') continue;
      if (code.startsWith('[]')) {
        if (Array.isArray(child)) child.forEach((item, index) => walk(item, code.slice(2), [...path, key, index]));
      } else if (code.startsWith('{}')) {
        if (isObj(child)) for (const [entry, item] of Object.entries(child)) walk(item, code.slice(2), [...path, key, entry]);
      } else {
        walk(child, code, [...path, key]);
      }
    }
  };
  walk(raw, root, []);
  return found;
}

interface ValidationError {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

/** The JSON kind of a value, as the schema's codes name them. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Splits "a|{}(b|c)|null" at the top-level bars. */
function alternatives(code: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const character of code) {
    if (character === '(') depth++;
    if (character === ')') depth--;
    if (character === '|' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += character;
  }
  return [...parts, current];
}

const unwrap = (code: string): string => (code.startsWith('(') && code.endsWith(')') ? code.slice(1, -1) : code);

/** Errors of one leaf value against its code (see FieldMap.leaves), ajv-shaped for describe(). */
function checkLeaf(value: unknown, code: string, pointer: string): ValidationError[] {
  const options = alternatives(code);
  const kind = kindOf(value);
  const names: string[] = [];
  let allowedValues: string[] | undefined;
  for (const option of options) {
    if (option.startsWith('enum:')) {
      allowedValues = option.slice('enum:'.length).split(',');
      if (typeof value === 'string' && allowedValues.includes(value)) return [];
      names.push('string');
    } else if (option.startsWith('[]') || option.startsWith('{}')) {
      const container = option.startsWith('[]') ? 'array' : 'object';
      names.push(container);
      if (kind !== container) continue;
      const inner = unwrap(option.slice(2));
      return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) => checkLeaf(item, inner, `${pointer}/${key}`));
    } else {
      names.push(option);
      if (option === kind || (option === 'number' && kind === 'integer')) return [];
    }
  }
  if (allowedValues && typeof value === 'string') return [{ instancePath: pointer, keyword: 'enum', message: 'must be equal to one of the allowed values', params: { allowedValues } }];
  return [{ instancePath: pointer, keyword: 'type', message: `must be ${[...new Set(names)].join(',')}`, params: { type: names } }];
}

/** Required fields, value types and enums of one object, walking the same types as unknownFields. */
export function invalidValues(raw: Obj): ValidationError[] {
  const root = FIELDS.kinds[kindKey(raw)];
  if (!root) return [];
  const errors: ValidationError[] = [];
  const walk = (value: unknown, type: string, pointer: string): void => {
    if (!isObj(value)) return;
    for (const field of FIELDS.required[type] ?? []) {
      if (value[field] === undefined) errors.push({ instancePath: pointer, keyword: 'required', message: `must have required property '${field}'`, params: { missingProperty: field } });
    }
    const fields = FIELDS.types[type] ?? {};
    const leaves = FIELDS.leaves[type] ?? {};
    for (const [key, child] of Object.entries(value)) {
      const code = fields[key];
      const at = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (code === undefined) continue; // unknownFields reports it
      if (code === '') {
        const leaf = leaves[key];
        if (leaf) errors.push(...checkLeaf(child, leaf, at));
      } else if (code.startsWith('[]')) {
        if (Array.isArray(child)) child.forEach((item, index) => walk(item, code.slice(2), `${at}/${index}`));
      } else if (code.startsWith('{}')) {
        if (isObj(child)) for (const [entry, item] of Object.entries(child)) walk(item, code.slice(2), `${at}/${entry.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      } else walk(child, code, at);
    }
  };
  walk(raw, root, '');
  return errors;
}

function describe(error: ValidationError): string {
  const path = (error.instancePath ?? '')
    .split('/')
    .filter(Boolean)
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment.replace(/~1/g, '/').replace(/~0/g, '~')));
  const params = error.params ?? {};
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) message = `must be one of ${params.allowedValues.join(', ')}`;
  if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
    return `${pathText([...path, params.missingProperty])}: required field is missing`;
  }
  return `${pathText(path)}: ${message}`;
}

const subject = (object: ManifestObject): string => `${String(object.raw.apiVersion ?? '?')} ${String(object.raw.kind ?? '?')}`;

export const schemaRules: Rule[] = [
  {
    id: 'schema-unknown-field',
    severity: 'error',
    principle: 'Valid manifests',
    mirrors: 'kubectl apply --validate=strict / kubeconform -strict',
    fix: 'remove the field or correct its spelling (the API server drops or rejects unknown fields)',
    check: (input) =>
      input.units.flatMap((unit) =>
        unit.objects.flatMap((object) =>
          unknownFields(object.raw).map(({ path, field, suggestion: hint }) => ({
            object: refOf(object.raw),
            source: object.source,
            message: `${path}: unknown field '${field}' in ${subject(object)}`,
            ...(hint ? { fix: `rename '${field}' to '${hint}'` } : {}),
          })),
        ),
      ),
  },
  {
    id: 'schema-invalid',
    severity: 'error',
    principle: 'Valid manifests',
    mirrors: 'kubeconform / kubectl apply --dry-run=server (types, enums, required fields)',
    fix: 'correct the value to the type the API expects (quote strings such as "yes", "on", "8080" where a string belongs)',
    check(input) {
      const hits: Hit[] = [];
      for (const unit of input.units) {
        for (const object of unit.objects) {
          if (typeof object.raw.apiVersion !== 'string' || typeof object.raw.kind !== 'string') {
            hits.push({ object: refOf(object.raw), source: object.source, message: 'object without apiVersion or kind', fix: 'add apiVersion and kind' });
            continue;
          }
          const name = (object.raw.metadata as Obj | undefined)?.name;
          if (typeof name !== 'string' || name === '') {
            hits.push({ object: refOf(object.raw), source: object.source, message: 'metadata.name: required field is missing' });
          }
          if (!hasBuiltInSchema(object.raw)) continue;
          const messages = [...new Set(invalidValues(object.raw).map(describe))];
          for (const message of messages) hits.push({ object: refOf(object.raw), source: object.source, message: `${message} (${subject(object)})` });
        }
      }
      return hits;
    },
  },
  {
    id: 'schema-unknown-kind',
    severity: 'warning',
    principle: 'Valid manifests',
    mirrors: 'kubeconform (missing schema), kube-score stable-version',
    fix: 'use a current built-in apiVersion (e.g. apps/v1, policy/v1, autoscaling/v2); custom resources are not validated',
    check: (input) =>
      input.units.flatMap((unit) =>
        unit.objects
          // The Prometheus Operator's kinds have rules of their own (rules/monitoring.ts).
          .filter((object) => typeof object.raw.kind === 'string' && typeof object.raw.apiVersion === 'string' && !hasBuiltInSchema(object.raw) && !AUDITED_CUSTOM_KINDS.has(kindKey(object.raw)))
          .map((object) => ({
            object: refOf(object.raw),
            source: object.source,
            message: `no Kubernetes API schema for ${subject(object)} (a custom resource or a removed API version): not validated`,
          })),
      ),
  },
];
