#!/usr/bin/env node
// `npm create microforge my-service` runs this bin: it is `microforge new`.
import { runMicroforge } from './cli/main.js';
import { silenceKnownWarnings } from './cli/known-warnings.js';

silenceKnownWarnings();
process.exitCode = await runMicroforge(['new', ...process.argv.slice(2)], 'create-microforge');
