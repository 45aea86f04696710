/**
 * Schema rules: every object against the Kubernetes API schema of its apiVersion/kind.
 * Two halves, because neither library does both:
 *  - kubernetes-models' validators (generated from the API's OpenAPI) check types, enums,
 *    formats and required fields, but accept any unknown field;
 *  - a strict walk over the API's field names (k8s-fields.json, generated from
 *    @kubernetes/client-node's models by test/unit/audit/support/build-field-map.ts) reports
 *    every field the API server would drop or reject: `imagePullPolcy`, `spec.replica`.
 */
import fieldMap from './k8s-fields.json' with { type: 'json' };
import type { Hit, ManifestObject, Obj, Rule } from './model.js';
import { isObj, refOf } from './objects.js';
import { AUDITED_CUSTOM_KINDS } from './rules/monitoring.js';

const FIELDS = fieldMap as { kinds: Record<string, string>; types: Record<string, Record<string, string>> };

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
type Validator = (raw: Obj) => ValidationError[];
const validators = new Map<string, Validator | null>();

/** Loads kubernetes-models' validator for an apiVersion/kind once (lazily: it is big). */
async function validatorFor(raw: Obj): Promise<Validator | null> {
  const key = kindKey(raw);
  if (validators.has(key)) return validators.get(key) ?? null;
  let validator: Validator | null = null;
  const apiVersion = String(raw.apiVersion ?? '');
  const kind = String(raw.kind ?? '');
  if (/^[a-z0-9.-]*\/?v[0-9a-z]+$/.test(apiVersion) && /^[A-Z][A-Za-z0-9]*$/.test(kind)) {
    try {
      const module = (await import(`kubernetes-models/${apiVersion}/${kind}`)) as Record<string, unknown>;
      const Model = module[kind] as (new (data: Obj) => { validate(): void }) | undefined;
      if (Model) {
        validator = (object) => {
          try {
            new Model(object).validate();
            return [];
          } catch (error) {
            const errors = (error as { errors?: ValidationError[] }).errors;
            return Array.isArray(errors) ? errors : [{ message: (error as Error).message }];
          }
        };
      }
    } catch {
      validator = null;
    }
  }
  validators.set(key, validator);
  return validator;
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
    async check(input) {
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
          const validate = await validatorFor(object.raw);
          if (!validate) continue;
          const messages = [...new Set(validate(object.raw).map(describe))];
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
