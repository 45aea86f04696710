/** `npm run golden` / `npm run golden:check`: see golden.ts. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { GOLDEN_ROOT, GOLDEN_SCENARIOS, goldenDifferences, regenerateGolden } from './golden.js';

function parseArguments(args: readonly string[]): { check: boolean; root: string } {
  let check = false;
  let root = GOLDEN_ROOT;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    const value = args[index + 1];
    if (arg === '--check') check = true;
    else if (arg === '--dir' && value) root = args[++index] as string;
    else {
      process.stderr.write(`golden: unknown argument '${arg}' (usage: golden [--check] [--dir DIR])\n`);
      process.exit(2);
    }
  }
  return { check, root };
}

const { check, root } = parseArguments(process.argv.slice(2));
if (check) {
  const differences = goldenDifferences(root);
  if (differences.length === 0) {
    process.stdout.write(`golden samples up to date (${Object.keys(GOLDEN_SCENARIOS).length} scenarios)\n`);
  } else {
    process.stdout.write(`golden samples differ from a fresh render (run npm run golden and review the diff):\n${differences.map((path) => `  ${path}\n`).join('')}`);
    process.exitCode = 1;
  }
} else {
  // Scenarios no longer declared go too, so the folder holds exactly what is rendered.
  for (const difference of goldenDifferences(root)) {
    if (difference.endsWith('(not a scenario)')) rmSync(join(root, difference.split('/')[0] as string), { recursive: true, force: true });
  }
  regenerateGolden(root);
}
