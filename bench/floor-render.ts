/**
 * The generation floor: a plain Node script that renders the same templates with Handlebars
 * (through the same pure renderer) and writes them with fs, no Yeoman, no CLI. `microforge new`
 * is compared with this in the same run.  Usage: node dist/bench/floor-render.js DIR
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { renderRepo } from '../generators/lib/render.js';
import { completeSpec } from '../generators/lib/spec.js';

const target = resolve(process.argv[2] ?? 'floor-out');
for (const [path, contents] of renderRepo(completeSpec({}, basename(target)))) {
  const file = join(target, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, contents);
}
