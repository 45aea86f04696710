#!/usr/bin/env node
import module from 'node:module';

// Node 22.1+ caches compiled code on disk: later runs skip most of the parsing. The CLI is loaded
// after this line (dynamic imports), or it would be compiled before the cache is on.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const { runMicroforge } = await import('./cli/main.js');

process.exitCode = await runMicroforge(process.argv.slice(2), 'microforge');
