#!/usr/bin/env node
// `npm create microforge my-service` runs this bin: it is `microforge new`.
import { enableCompileCache } from './cli/compile-cache.js';

// On before the CLI is imported (see microforge.ts).
enableCompileCache();
const { runMicroforge } = await import('./cli/main.js');

process.exitCode = await runMicroforge(['new', ...process.argv.slice(2)], 'create-microforge');
