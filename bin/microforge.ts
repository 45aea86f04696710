#!/usr/bin/env node
import { enableCompileCache } from './cli/compile-cache.js';

// On before the CLI is imported (dynamically, below), or the CLI would be compiled without it.
enableCompileCache();
const { runMicroforge } = await import('./cli/main.js');

process.exitCode = await runMicroforge(process.argv.slice(2), 'microforge');
