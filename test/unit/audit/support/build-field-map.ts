/**
 * Builds generators/audit/k8s-fields.json: for every built-in apiVersion/kind, the field names
 * the Kubernetes API accepts at each level (from @kubernetes/client-node's generated models, a
 * dev dependency only). The audit's strict walk reads the JSON, so the CLI ships neither
 * client-node nor its 60+ MB. The test next to this file fails when the JSON is stale;
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
  return { kinds: sortedKinds, types: sortedTypes };
}
