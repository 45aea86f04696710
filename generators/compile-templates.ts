/**
 * Build step (npm run build, after the bundle): precompiles every template into dist/bundle/compiled-templates.cjs,
 * which rendering uses instead of compiling templates in every process (lib/compiled-templates.ts),
 * and packs their sources into dist/bundle/templates.json, the form the package ships them in
 * (lib/template-files.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { COMPILED_TEMPLATES_PATH } from './lib/compiled-templates.js';
import { packTemplates, TEMPLATE_PACK_PATH } from './lib/template-files.js';
import { precompiledTemplatesModule } from './lib/template-precompiler.js';

mkdirSync(dirname(COMPILED_TEMPLATES_PATH), { recursive: true });
writeFileSync(COMPILED_TEMPLATES_PATH, precompiledTemplatesModule());
writeFileSync(TEMPLATE_PACK_PATH, packTemplates());
