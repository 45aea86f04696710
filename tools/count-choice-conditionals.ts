/** Prints the choice-conditional count (see choice-conditionals.ts). Usage: node dist/tools/count-choice-conditionals.js [--files] */
import { TEMPLATES_ROOT } from '../generators/lib/package-root.js';
import { countChoiceConditionals } from './choice-conditionals.js';

const counts = countChoiceConditionals(TEMPLATES_ROOT);
process.stdout.write(`choice conditionals: ${counts.total}; outside the owning component's folder: ${counts.outsideOwner}\n`);
if (process.argv.includes('--files')) {
  for (const [path, count] of Object.entries(counts.outsideByFile).sort(([, a], [, b]) => b - a)) process.stdout.write(`${String(count).padStart(4)} ${path}\n`);
}
