#!/usr/bin/env node
import { runMicroforge } from './cli/main.js';
import { silenceKnownWarnings } from './cli/known-warnings.js';

silenceKnownWarnings();
process.exitCode = await runMicroforge(process.argv.slice(2), 'microforge');
