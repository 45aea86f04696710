#!/usr/bin/env node
// `npm create microforge my-service` runs this bin: it is `microforge new`.
import module from 'node:module';

// Node 22.1+ caches compiled code on disk (see microforge.ts); the CLI is imported after it.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const { runMicroforge } = await import('./cli/main.js');

process.exitCode = await runMicroforge(['new', ...process.argv.slice(2)], 'create-microforge');
