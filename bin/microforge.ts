#!/usr/bin/env node
import { runMicroforge } from './cli/main.js';

process.exitCode = await runMicroforge(process.argv.slice(2), 'microforge');
