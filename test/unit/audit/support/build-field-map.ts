/**
 * Builds audit/k8s-fields.json: for every built-in apiVersion/kind, the field names
 * the Kubernetes API accepts at each level (from @kubernetes/client-node's generated models),
 * and what kubernetes-models' OpenAPI validators require of them: required fields, leaf value
 * types, enums (read by asking each validator about probe values, so nothing is transcribed by
 * hand). Both packages are dev dependencies only: the audit reads the JSON, so the CLI ships
 * neither their code nor their 80+ MB. The test next to this file fails when the JSON is stale;
 * `UPDATE_K8S_FIELDS=1` rewrites it.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface FieldMap {
  /** "apps/v1 Deployment" → root type name */
  kinds: Record<string, string>;
  /** type name → field → '' (leaf), 'T' (object), '[]T' (array of T), '{}T' (map of T) */
  types: Record<string, Record<string, string>>;
  /** type name → the fields the API requires */
  required: Record<string, string[]>;
  /**
   * type name → leaf field → the values the API accepts: kinds joined by '|' (string, integer,
   * number, boolean, null, array, object), 'enum:A,B' for a closed set of strings, '[]K' / '{}K'
   * for an array / map of K (parenthesised when K has alternatives: '{}(string|integer)').
   * Fields accepting anything are left out.
   */
  leaves: Record<string, Record<string, string>>;
}

interface Attribute {
  baseName: string;
  type: string;
}
interface ModelClass {
  attributeTypeMap?: Attribute[];
}

const pascal = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

export async function buildFieldMap(): Promise<FieldMap> {
  const models = (await import('@kubernetes/client-node/dist/gen/models/ObjectSerializer.js' as string)) as Record<string, ModelClass>;
  const classes = new Map<string, ModelClass>();
  for (const [name, value] of Object.entries(models)) {
    if ((typeof value === 'function' || typeof value === 'object') && Array.isArray(value.attributeTypeMap)) classes.set(name, value);
  }
  const require = createRequire(import.meta.url);
  const modelsRoot = dirname(require.resolve('kubernetes-models/package.json'));

  const kinds: Record<string, string> = {};
  for (const group of readdirSync(modelsRoot, { withFileTypes: true })) {
    if (!group.isDirectory() || group.name.startsWith('_') || group.name === 'node_modules') continue;
    const versions = group.name === 'v1' ? [['', 'v1']] : readdirSync(join(modelsRoot, group.name), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => [group.name, entry.name]);
    for (const [groupName = '', version = ''] of versions) {
      const directory = groupName === '' ? join(modelsRoot, version) : join(modelsRoot, groupName, version);
      for (const file of readdirSync(directory)) {
        if (!file.endsWith('.mjs') || file === 'index.mjs') continue;
        const kind = file.slice(0, -'.mjs'.length);
        const apiVersion = groupName === '' ? version : `${groupName}/${version}`;
        const prefix = pascal((groupName.split('.')[0] ?? '') || 'core');
        const candidates = [`${prefix}${pascal(version)}${kind}`, `${pascal(version)}${kind}`];
        const found = candidates.find((name) => {
          const attributes = classes.get(name)?.attributeTypeMap ?? [];
          return attributes.some((a) => a.baseName === 'kind') && attributes.some((a) => a.baseName === 'apiVersion');
        });
        if (found) kinds[`${apiVersion} ${kind}`] = found;
      }
    }
  }

  const types: Record<string, Record<string, string>> = {};
  const encode = (type: string): { code: string; inner?: string } => {
    const array = /^Array<(.*)>$/.exec(type);
    const map = /^\{ \[key: string\]: (.*); \}$/.exec(type);
    if (array?.[1] && classes.has(array[1])) return { code: `[]${array[1]}`, inner: array[1] };
    if (map?.[1] && classes.has(map[1])) return { code: `{}${map[1]}`, inner: map[1] };
    if (classes.has(type)) return { code: type, inner: type };
    return { code: '' };
  };
  const visit = (name: string): void => {
    if (types[name]) return;
    const fields: Record<string, string> = {};
    types[name] = fields;
    for (const attribute of classes.get(name)?.attributeTypeMap ?? []) {
      const { code, inner } = encode(attribute.type);
      fields[attribute.baseName] = code;
      if (inner) visit(inner);
    }
  };
  for (const root of Object.values(kinds).sort()) visit(root);
  const sortedTypes = Object.fromEntries(Object.entries(types).sort(([a], [b]) => (a < b ? -1 : 1)));
  const sortedKinds = Object.fromEntries(Object.entries(kinds).sort(([a], [b]) => (a < b ? -1 : 1)));
  const { required, leaves } = await probeConstraints(sortedKinds, sortedTypes);
  return { kinds: sortedKinds, types: sortedTypes, required, leaves };
}

type Segment = { key: string; shape: 'object' | 'array' | 'map' };
interface ProbeError {
  instancePath: string;
  keyword: string;
  params?: { missingProperty?: string; allowedValues?: unknown[] };
}
type Validate = (data: Record<string, unknown>) => ProbeError[];

const PROBES: ReadonlyArray<readonly [string, unknown]> = [
  ['string', 'microforge-probe'],
  ['integer', 7],
  ['number', 1.5],
  ['boolean', true],
  ['null', null],
  ['array', []],
  ['object', {}],
];

/** Nests `value` under the segments, the way a manifest would hold it. */
function nest(segments: readonly Segment[], value: Record<string, unknown>): Record<string, unknown> {
  let result = value;
  for (const segment of [...segments].reverse()) {
    const inner = segment.shape === 'array' ? [result] : segment.shape === 'map' ? { probe: result } : result;
    result = { [segment.key]: inner };
  }
  return result;
}

const pointer = (segments: readonly Segment[]): string =>
  segments.map((segment) => `/${segment.key}${segment.shape === 'array' ? '/0' : segment.shape === 'map' ? '/probe' : ''}`).join('');

async function validatorOf(kindKey: string): Promise<Validate | undefined> {
  const [apiVersion = '', kind = ''] = kindKey.split(' ');
  const module = (await import(`kubernetes-models/${apiVersion}/${kind}`).catch(() => undefined)) as Record<string, unknown> | undefined;
  const Model = module?.[kind] as (new (data: Record<string, unknown>) => { validate(): void }) | undefined;
  if (!Model) return undefined;
  return (data) => {
    try {
      new Model(data).validate();
      return [];
    } catch (error) {
      return ((error as { errors?: ProbeError[] }).errors ?? []) as ProbeError[];
    }
  };
}

/**
 * The kinds of value a validator accepts at one place ("string|null", "enum:A,B", "[]string"),
 * or 'any'. Formats and patterns (date-time, quantities like 500m) are not checked: a string passes.
 */
function acceptedAt(validate: Validate, place: (value: unknown) => Record<string, unknown>, path: string, nested: boolean): string {
  const accepted: string[] = [];
  let allowed: unknown[] | undefined;
  for (const [name, value] of PROBES) {
    const errors = validate(place(value)).filter((error) => error.instancePath === path);
    // A string that only fails a format or pattern (a quantity, a date) means strings belong here.
    if (errors.length === 0 || (name === 'string' && errors.some((error) => error.keyword === 'format' || error.keyword === 'pattern'))) accepted.push(name);
    const enumError = errors.find((error) => error.keyword === 'enum');
    if (name === 'string' && enumError) allowed = enumError.params?.allowedValues;
  }
  if (accepted.length === PROBES.length) return 'any';
  if (allowed && !accepted.includes('string')) accepted.unshift(`enum:${allowed.map(String).join(',')}`);
  const nullable = accepted.includes('null');
  const kinds = accepted.filter((kind) => kind !== 'null');
  if (!nested && kinds.length === 1 && (kinds[0] === 'array' || kinds[0] === 'object')) {
    // A list or map of scalars: what may its items be?
    const container = kinds[0];
    const inner = acceptedAt(validate, (value) => place(container === 'array' ? [value] : { probe: value }), `${path}/${container === 'array' ? '0' : 'probe'}`, true);
    if (inner !== 'any') kinds[0] = `${container === 'array' ? '[]' : '{}'}${inner.includes('|') ? `(${inner})` : inner}`;
  }
  return [...kinds, ...(nullable ? ['null'] : [])].join('|');
}

/** Asks each kind's validator about every type reachable from it, once per type. */
async function probeConstraints(kinds: FieldMap['kinds'], types: FieldMap['types']): Promise<Pick<FieldMap, 'required' | 'leaves'>> {
  const required: FieldMap['required'] = {};
  const leaves: FieldMap['leaves'] = {};
  const visited = new Set<string>();
  for (const [kindKey, root] of Object.entries(kinds)) {
    const validate = await validatorOf(kindKey);
    if (!validate) continue;
    const visit = (type: string, segments: Segment[]): void => {
      if (visited.has(type)) return;
      visited.add(type);
      const path = pointer(segments);
      const missing = validate(nest(segments, {}))
        .filter((error) => error.instancePath === path && error.keyword === 'required')
        .map((error) => error.params?.missingProperty)
        .filter((field): field is string => typeof field === 'string' && field !== 'apiVersion' && field !== 'kind');
      if (missing.length > 0) required[type] = [...new Set(missing)].sort();
      for (const [field, code] of Object.entries(types[type] ?? {})) {
        if (code === '') {
          if (segments.length === 0 && (field === 'apiVersion' || field === 'kind')) continue;
          const accepted = acceptedAt(validate, (value) => nest(segments, { [field]: value }), `${path}/${field}`, false);
          if (accepted !== 'any') (leaves[type] ??= {})[field] = accepted;
        } else if (code.startsWith('[]')) visit(code.slice(2), [...segments, { key: field, shape: 'array' }]);
        else if (code.startsWith('{}')) visit(code.slice(2), [...segments, { key: field, shape: 'map' }]);
        else visit(code, [...segments, { key: field, shape: 'object' }]);
      }
    };
    visit(root, []);
  }
  const sorted = <T>(record: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { required: sorted(required), leaves: sorted(leaves) };
}
