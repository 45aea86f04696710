/**
 * Renders every valid combination of choices into <out>/<storage>-<cache>-<messaging>-<broker>/,
 * so two generator versions can be compared file by file (`diff -r`).
 * Usage: node dist/tools/render-combinations.js OUT_DIR
 */
import { join } from 'node:path';
import { validSpecs } from '../generators/lib/combinations.js';
import { renderRepo } from '../generators/lib/render.js';
import { writeTree } from './write-tree.js';

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: render-combinations OUT_DIR\n');
  process.exit(2);
}
for (const spec of validSpecs()) writeTree(renderRepo(spec), join(out, [spec.storage, spec.cache, spec.messaging, spec.broker ?? 'none'].join('-')));
