// Bundles the CLI with esbuild into dist/bundle/, the only code the npm package ships: what is
// installed is what runs, with no dependency tree to resolve at install time (the libraries of
// the design, handlebars, Yeoman's adapter, conflicter and mem-fs, execa, pacote, are inside).
// Templates stay files in templates/ (read at run time). Code reached only through import()
// (prompts, the conflicter, audit, the release fetcher) stays in chunks of its own, so
// `microforge new --yes` never loads it. No source maps: the package ships no sources for them.
// Writes dist/bundle/THIRD-PARTY-LICENSES.md, the license of every package inside the bundle.
import { build } from 'esbuild';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');

// A fresh directory: chunk names carry content hashes, so an old build would leave stale chunks.
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: {
    microforge: 'bin/microforge.ts',
    'create-microforge': 'bin/create-microforge.ts',
    // The stable entry (package.json exports "./renderer") through which `upgrade` loads another
    // release's renderer: renderRepo(spec) → the files that release renders.
    renderer: 'generators/lib/render.ts',
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22.18',
  chunkNames: 'chunks/[name]-[hash]',
  // Bundled CommonJS packages call require() and read __dirname (@npmcli/run-script, at load
  // time, for a path it never uses here); ES modules have none of these.
  banner: {
    js: [
      "import { createRequire as __createRequire } from 'node:module';",
      "import { fileURLToPath as __fileURLToPath } from 'node:url';",
      'const require = __createRequire(import.meta.url);',
      'const __filename = __fileURLToPath(import.meta.url);',
      "const __dirname = __fileURLToPath(new URL('.', import.meta.url));",
    ].join(' '),
  },
  // pacote's git and directory fetchers can run lifecycle scripts through node-gyp; microforge
  // only fetches registry tarballs, so that code path is never taken.
  external: ['node-gyp'],
  // Smaller to download and faster to parse on every run. Function names are not kept: keeping
  // them wraps every function of the bundle in a defineProperty call at load, about 30 ms of a
  // 180 ms `new`. Nothing here tells classes apart by their function name: inquirer's errors and
  // UsageError carry their name as a field (a cancelled prompt is an ExitPromptError), the
  // registry client's errors are told apart by their code; only some libraries' messages and
  // error names (pacote's fetcher type, npm-registry-fetch's errors) come out shorter.
  minify: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

/** The package.json above a bundled input file, i.e. the package it belongs to. */
function packageOf(input) {
  let directory = dirname(join(root, input));
  while (directory.startsWith(join(root, 'node_modules'))) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
      if (pkg.name && pkg.version) return { directory, pkg };
    }
    directory = dirname(directory);
  }
  return undefined;
}

const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const found = packageOf(input);
  if (found) packages.set(`${found.pkg.name}@${found.pkg.version}`, found);
}
const sections = [...packages.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, { directory, pkg }]) => {
  const file = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license', 'LICENCE', 'LICENSE-MIT'].map((name) => join(directory, name)).find(existsSync);
  const license = typeof pkg.license === 'string' ? pkg.license : 'see the package';
  return `## ${id} (${license})\n\n${file ? readFileSync(file, 'utf8').trim() : `No license file in ${relative(root, directory)}; declared license: ${license}.`}\n`;
});
// What the bundle still imports at run time (tests compare it with package.json; not shipped).
writeFileSync(join(root, 'dist', 'bundle-meta.json'), `${JSON.stringify(result.metafile)}\n`);
writeFileSync(
  join(outdir, 'THIRD-PARTY-LICENSES.md'),
  `# Third-party licenses\n\nThe CLI bundle (dist/bundle) contains these packages.\n\n${sections.join('\n')}`,
);
