/**
 * The service's root directory: the nearest one above this module that holds package.json. Files
 * shipped beside the code (migrations/) are found from here, which holds for src/ under test,
 * for the bundled dist/ and inside the image alike, however deep the module sits.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(moduleUrl: string = import.meta.url): string {
  const start = dirname(fileURLToPath(moduleUrl));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json in ${start} or above`);
  }
}
