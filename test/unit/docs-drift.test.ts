/**
 * The generated docs cannot drift from the generated code: for every combination, the README's
 * configuration table is exactly the settings `src/config.ts` reads (same defaults, required and
 * secret ones), its endpoint table exactly the routes the code registers, its diagram exactly
 * the components chosen, and every command, script, file and link the docs name exists.
 */
import { describe, expect, it } from '@jest/globals';
import { posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { validSpecs } from '../../generators/lib/combinations.js';
import { renderRepo, type RenderedTree } from '../../generators/lib/render.js';
import type { ServiceSpec } from '../../generators/lib/spec.js';

// Every combination the model declares, including values still being built (their docs render too).
const specs = validSpecs({ name: 'order-service', resource: 'order-line' }, { includeUnavailable: true });

const text = (tree: RenderedTree, path: string): string => {
  const contents = tree.get(path);
  if (!contents) throw new Error(`${path} was not rendered`);
  return contents.toString('utf8');
};

/** The lines of a `## Heading` section, up to the next `## `. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no section ## ${heading}`);
  const end = markdown.indexOf('\n## ', start + heading.length + 5);
  return markdown.slice(start, end < 0 ? undefined : end);
}

/** Table rows of a markdown section as cells, header and separator dropped. */
function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| ---'))
    .slice(1)
    .map((line) => line.slice(1, -1).split(' | ').map((cell) => cell.trim()));
}

interface SchemaSetting {
  name: string;
  /** The declared default as a string, or null without one. */
  defaultValue: string | null;
  /** Declared with Type.Optional: no default, and the service runs without it. */
  optional: boolean;
}

/** The keys of `ConfigSchema` in the rendered src/config.ts, with their defaults. */
function schemaSettings(configTs: string): SchemaSetting[] {
  const start = configTs.indexOf('export const ConfigSchema = Type.Object(');
  const end = configTs.indexOf('{ additionalProperties: false }', start);
  expect({ start: start >= 0, end: end >= 0 }).toEqual({ start: true, end: true });
  const body = configTs.slice(start, end);
  const keys = [...body.matchAll(/^ {4}([A-Z][A-Z0-9_]*): /gm)];
  return keys.map((match, index) => {
    const declaration = body.slice(match.index, keys[index + 1]?.index ?? body.length);
    const value =
      /milliseconds\((\d[\d_]*)/.exec(declaration)?.[1] ??
      /brokerName\('([^']*)'\)/.exec(declaration)?.[1] ??
      /default:\s*(?:'([^']*)'|(-?\d[\d_]*|true|false))/.exec(declaration)?.slice(1).find((group) => group !== undefined);
    return { name: match[1] ?? '', defaultValue: value === undefined ? null : value.replace(/_/g, ''), optional: /^\s*\w+: Type\.Optional\(/.test(declaration) };
  });
}

/** The settings src/config.ts requires in production only (its REQUIRED_IN_PRODUCTION set). */
function requiredInProductionOnly(configTs: string): string[] {
  const declaration = /const REQUIRED_IN_PRODUCTION = new Set<string>\(\[([^\]]*)\]\)/.exec(configTs);
  expect(declaration).not.toBeNull();
  return [...(declaration?.[1] ?? '').matchAll(/'([A-Z0-9_]+)'/g)].map((match) => match[1] ?? '');
}

/** Environment variables code reads by name: `env['X']`, `process.env['X']`, `process.env.X`. */
function environmentReads(tree: RenderedTree): Set<string> {
  const names = new Set<string>();
  for (const [path, contents] of tree) {
    if (!path.startsWith('src/') || !path.endsWith('.ts')) continue;
    for (const match of contents.toString('utf8').matchAll(/\benv(?:\[['"]([A-Z][A-Z0-9_]*)['"]\]|\.([A-Z][A-Z0-9_]*)\b)/g)) {
      names.add(match[1] ?? match[2] ?? '');
    }
  }
  return names;
}

/** `METHOD /path` of every route the code registers with app.get/post/put/patch/delete. */
function registeredRoutes(tree: RenderedTree): string[] {
  const routes: string[] = [];
  for (const [path, contents] of tree) {
    if (!path.startsWith('src/') || !path.endsWith('.ts')) continue;
    const source = contents.toString('utf8');
    // A prefix on register() would move routes where this parser cannot see them.
    expect({ path, registersWithPrefix: /register\([^)]*prefix\s*:/.test(source) }).toEqual({ path, registersWithPrefix: false });
    const constants = new Map([...source.matchAll(/const ([A-Z_]+) = '([^']*)';/g)].map((match) => [match[1] ?? '', match[2] ?? '']));
    for (const match of source.matchAll(/\bapp\.(get|post|put|patch|delete)\(\s*(?:'([^']*)'|`([^`]*)`|([A-Z_]+)\s*,)/g)) {
      const [, method = '', quoted, template, constant] = match;
      const url = quoted ?? template?.replace(/\$\{([A-Z_]+)\}/g, (_all, name: string) => constants.get(name) ?? `<${name}?>`) ?? constants.get(constant ?? '') ?? `<${constant}?>`;
      routes.push(`${method.toUpperCase()} ${url}`);
    }
  }
  return routes.sort();
}

/** Node ids of the README's Mermaid flowchart. */
function diagramNodes(readme: string): string[] {
  const block = /```mermaid\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('the README has no mermaid diagram');
  const nodes = new Set<string>();
  for (const line of block.split('\n').slice(1)) {
    const withoutLabels = line
      .replace(/\|"[^"]*"\|/g, ' ')
      .replace(/"[^"]*"/g, '')
      .replace(/[[\](){}/]+/g, ' ');
    for (const part of withoutLabels.split('-->')) {
      const id = part.trim();
      if (id !== '') nodes.add(id);
    }
  }
  return [...nodes].sort();
}

function expectedDiagramNodes(spec: ServiceSpec): string[] {
  return [
    'clients',
    'kubelet',
    'prometheus',
    'service',
    ...(spec.storage === 'postgres' ? ['database'] : []),
    ...(spec.cache !== 'none' ? ['cache'] : []),
    ...(spec.messaging !== 'none' ? ['broker', 'deadLetter'] : []),
    ...(spec.messaging !== 'none' && spec.storage === 'postgres' ? ['outbox'] : []),
  ].sort();
}

/** Markdown files the generated repo documents itself with. */
const documents = (tree: RenderedTree): string[] => [...tree.keys()].filter((path) => path.endsWith('.md'));

/** Repo paths a document names in backticks (`src/config.ts`, `k8s/`), leaving out URLs, placeholders and build output. */
function namedPaths(markdown: string): string[] {
  return [...markdown.matchAll(/`([^`\s]+)`/g)]
    .map((match) => match[1] ?? '')
    .filter((candidate) => /\/|\.(ts|ya?ml|json|sql|md)$|^Dockerfile$/.test(candidate))
    .filter((candidate) => !/^\/|:\/\/|^dist\/|[<>*$]|NNNN|^\.\.?\//.test(candidate))
    // OTLP protocol names, not paths.
    .filter((candidate) => !/^http\/(json|protobuf)$/.test(candidate))
    // `app.kubernetes.io/version` is a label, not a folder: a path starts with a plain folder name.
    .filter((candidate) => !candidate.includes('/') || /^\.?[\w-]+\//.test(candidate));
}

/** A file, a folder (`k8s/`), or a bare file name such as `kustomization.yaml` found anywhere. */
const exists = (tree: RenderedTree, path: string): boolean =>
  tree.has(path) ||
  [...tree.keys()].some((file) => file.startsWith(path.endsWith('/') ? path : `${path}/`)) ||
  (!path.includes('/') && [...tree.keys()].some((file) => posix.basename(file) === path));

describe.each(specs.map((spec) => [`${spec.storage}/${spec.cache}/${spec.messaging}/${spec.broker ?? '-'}`, spec] as const))('docs of %s', (_label, spec) => {
  const tree = renderRepo(spec);
  const readme = text(tree, 'README.md');
  const configRows = tableRows(section(readme, 'Configuration'));
  const documented = new Map(configRows.map(([name = '', defaultCell = '', required = '', secret = '']) => [name.replace(/`/g, ''), { defaultCell, required, secret }]));

  it('documents exactly the settings src/config.ts reads, with their defaults and whether they are required', () => {
    const schema = schemaSettings(text(tree, 'src/config.ts'));
    const read = [...new Set([...schema.map((entry) => entry.name), ...environmentReads(tree)])].sort();
    expect([...documented.keys()].sort()).toEqual(read);
    expect(configRows.map((row) => row[0])).toEqual([...new Set(configRows.map((row) => row[0]))]);
    const productionOnly = requiredInProductionOnly(text(tree, 'src/config.ts'));
    for (const { name, defaultValue, optional } of schema) {
      const row = documented.get(name);
      const shownDefault = row?.defaultCell.startsWith('`') ? /^`([^`]*)`/.exec(row.defaultCell)?.[1] : null;
      const required = defaultValue !== null ? 'no' : productionOnly.includes(name) ? '**in production**' : optional ? 'no' : '**yes**';
      expect({ name, default: shownDefault, required: row?.required }).toEqual({ name, default: defaultValue, required });
    }
  });

  it('marks as secret exactly the settings the Deployment takes from a Secret', () => {
    const deployment = parseYaml(text(tree, 'k8s/base/deployment.yaml')) as {
      spec: { template: { spec: { containers: Array<{ env?: Array<{ name: string; valueFrom?: { secretKeyRef?: unknown } }> }> } } };
    };
    const fromSecrets = deployment.spec.template.spec.containers.flatMap((container) => container.env ?? []).filter((entry) => entry.valueFrom?.secretKeyRef !== undefined);
    const secretRows = [...documented].filter(([, row]) => row.secret === '**yes**').map(([name]) => name);
    expect(secretRows.sort()).toEqual(fromSecrets.map((entry) => entry.name).sort());
  });

  it('lists exactly the routes the code registers, probes and metrics included', () => {
    const listed = tableRows(section(readme, 'Endpoints')).map(([route = '']) => route.replace(/`/g, ''));
    expect(listed.sort()).toEqual(registeredRoutes(tree));
    expect(listed).toEqual(expect.arrayContaining(['GET /startupz', 'GET /livez', 'GET /readyz', 'GET /metrics']));
  });

  it('draws the components that were chosen, and only those', () => {
    expect(diagramNodes(readme)).toEqual(expectedDiagramNodes(spec));
  });

  it('names only npm scripts, compose services and settings that exist', () => {
    const manifest = JSON.parse(text(tree, 'package.json')) as { scripts: Record<string, string> };
    const compose = parseYaml(text(tree, 'compose.yaml')) as { services: Record<string, unknown> };
    for (const path of documents(tree)) {
      const markdown = text(tree, path);
      for (const match of markdown.matchAll(/\bnpm (?:run ([\w:-]+)|(test|start)\b)/g)) {
        const script = match[1] ?? match[2] ?? '';
        expect({ path, script, exists: script in manifest.scripts }).toEqual({ path, script, exists: true });
      }
      for (const match of markdown.matchAll(/docker compose up((?: -{1,2}[\w-]+)*)((?: [a-z][\w-]*)*)/g)) {
        for (const service of (match[2] ?? '').trim().split(' ').filter(Boolean)) {
          expect({ path, service, exists: service in compose.services }).toEqual({ path, service, exists: true });
        }
      }
      for (const match of markdown.matchAll(/^export ([A-Z][A-Z0-9_]*)=/gm)) {
        expect({ path, setting: match[1], documented: documented.has(match[1] ?? '') }).toEqual({ path, setting: match[1], documented: true });
      }
    }
  });

  it('starts the quick start with npm install and ends it running the service (no server needed) or its tests, exporting every required setting first', () => {
    const commands = /```sh\n([\s\S]*?)```/.exec(section(readme, 'Quick start'))?.[1]?.trim().split('\n') ?? [];
    expect(commands).toHaveLength(2);
    expect(commands[0]).toMatch(/^npm install( && docker compose up -d [a-z ]+)?$/);
    // Settings the tests need come from `export` lines or from .env.development, which the npm scripts read.
    const envFile = exists(tree, '.env.development') ? text(tree, '.env.development') : '';
    expect(envFile === '').toBe(!commands[0]?.includes('docker compose'));
    const exported = [
      ...commands.flatMap((command) => /^export ([A-Z0-9_]+)=/.exec(command)?.[1] ?? []),
      ...[...envFile.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1] ?? ''),
    ];
    const required = [...documented].filter(([, row]) => row.required === '**yes**').map(([name]) => name);
    const inProduction = [...documented].filter(([, row]) => row.required === '**in production**').map(([name]) => name);
    // Nothing required but what has a development stand-in (PostgreSQL runs embedded): two commands, no server.
    expect(commands.at(-1)).toBe(spec.storage === 'postgres' && required.length === 0 ? 'npm run dev' : 'npm test');
    expect(exported.filter((name) => !inProduction.includes(name)).sort()).toEqual(required.sort());
  });

  it('names only files and links that exist in the repo', () => {
    for (const path of documents(tree)) {
      const markdown = text(tree, path);
      for (const named of namedPaths(markdown)) expect({ path, named, exists: exists(tree, named) }).toEqual({ path, named, exists: true });
      for (const match of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
        const [target = '', anchor] = (match[1] ?? '').split('#');
        if (/^[a-z]+:/.test(target)) continue;
        const resolved = target === '' ? path : posix.normalize(posix.join(posix.dirname(path), target));
        expect({ path, link: match[1], exists: exists(tree, resolved) }).toEqual({ path, link: match[1], exists: true });
        if (anchor !== undefined) {
          const headings = text(tree, resolved).split('\n').filter((line) => line.startsWith('#')).map((line) => line.replace(/^#+ /, '').toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-'));
          expect({ path, link: match[1], anchorExists: headings.includes(anchor) }).toEqual({ path, link: match[1], anchorExists: true });
        }
      }
    }
  });

  it('keeps one decision record per choice, each with context, decision and consequences, all in the index', () => {
    const records = [...tree.keys()].filter((path) => /^docs\/adr\/\d{4}-.*\.md$/.test(path));
    const expected = [
      ...(spec.messaging !== 'none' ? ['docs/adr/0001-messaging-semantics.md'] : []),
      'docs/adr/0002-consistency-and-cap.md',
      'docs/adr/0003-storage-ownership.md',
      ...(spec.cache !== 'none' ? ['docs/adr/0004-cache.md'] : []),
      ...(spec.storage === 'postgres' ? ['docs/adr/0005-soft-delete-and-retention.md', 'docs/adr/0006-embedded-development-database.md', 'docs/adr/0007-backup-and-restore.md'] : []),
    ];
    expect(records).toEqual(expected);
    const index = text(tree, 'docs/adr/README.md');
    const indexed = [...index.matchAll(/\]\((\d{4}-[^)]+\.md)\)/g)].map((match) => `docs/adr/${match[1]}`);
    expect(indexed).toEqual(expected);
    for (const record of records) {
      const body = text(tree, record);
      expect({ record, sections: ['Status:', '## Context', '## Decision', '## Consequences'].filter((heading) => !body.includes(heading)) }).toEqual({ record, sections: [] });
      // Pure rendering: a record carries no date.
      expect({ record, dated: /\b20\d\d-\d\d-\d\d\b/.test(body) }).toEqual({ record, dated: false });
    }
  });

  it('tells contributors exactly which files are theirs and which microforge re-renders', () => {
    const contributing = text(tree, 'CONTRIBUTING.md');
    const ownership = section(contributing, 'What microforge owns');
    const yours = ownership.slice(ownership.indexOf('**Yours**'), ownership.indexOf('**Structured**'));
    const listedPrefixes = [...yours.matchAll(/^ {2}- `([^`]+)`$/gm)].map((match) => match[1] ?? '');
    const recorded = JSON.parse(text(tree, '.yo-rc.json'))['create-microforge'].files as Record<string, { owner: string }>;
    for (const [path, { owner }] of Object.entries(recorded)) {
      const claimed = listedPrefixes.some((prefix) => path.startsWith(prefix)) ? 'user' : /(^|\/)(package\.json|compose\.yaml|kustomization\.yaml)$/.test(path) ? 'structured' : 'generated';
      expect({ path, owner: claimed }).toEqual({ path, owner });
    }
    for (const prefix of listedPrefixes) expect({ prefix, matchesAFile: Object.keys(recorded).some((path) => path.startsWith(prefix)) }).toEqual({ prefix, matchesAFile: true });
    expect(contributing.includes('## Add a migration')).toBe(spec.storage === 'postgres');
    expect(contributing.includes('## Add a message handler')).toBe(spec.messaging !== 'none');
  });
});

describe('the drift checks bite', () => {
  const spec = specs.find((candidate) => candidate.storage === 'postgres' && candidate.messaging === 'none');
  if (!spec) throw new Error('no postgres spec in the matrix');
  const tree = renderRepo(spec);

  it('see a route added in any file under src/', () => {
    const withExtra = new Map(tree).set('src/extra/routes.ts', Buffer.from("const PREFIX = '/extra';\napp.delete(`${PREFIX}/:id`, handler);\n"));
    expect(registeredRoutes(withExtra)).toEqual([...registeredRoutes(tree), 'DELETE /extra/:id'].sort());
  });

  it('see a setting added to the schema, with its default', () => {
    const config = text(tree, 'src/config.ts').replace('    PORT: Type.Integer(', "    EXTRA_TIMEOUT_MS: milliseconds(1_500, 1, 10_000),\n    EXTRA_NAME: Type.String({ minLength: 1 }),\n    PORT: Type.Integer(");
    const settings = schemaSettings(config);
    expect(settings).toEqual(
      expect.arrayContaining([
        { name: 'EXTRA_TIMEOUT_MS', defaultValue: '1500', optional: false },
        { name: 'EXTRA_NAME', defaultValue: null, optional: false },
        { name: 'PORT', defaultValue: '8080', optional: false },
      ]),
    );
    expect(settings.find((entry) => entry.name === 'ADMIN_TOKEN')).toEqual({ name: 'ADMIN_TOKEN', defaultValue: null, optional: true });
    expect(settings.find((entry) => entry.name === 'LOG_LEVEL')?.defaultValue).toBe('info');
  });

  it('see a component missing from the diagram', () => {
    const readme = text(tree, 'README.md');
    const withoutDatabase = readme.split('\n').filter((line) => !line.includes('database[')).join('\n');
    expect(diagramNodes(withoutDatabase)).not.toEqual(expectedDiagramNodes(spec));
  });
});
