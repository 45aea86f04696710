import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Walks up to this package's package.json, so paths work from the sources and from dist/ alike. */
function findPackageRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(directory, 'package.json');
    if (existsSync(candidate) && JSON.parse(readFileSync(candidate, 'utf8')).name === 'create-microforge') return directory;
    const parent = dirname(directory);
    if (parent === directory) throw new Error('create-microforge: cannot find its own package.json');
    directory = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot();
export const TEMPLATES_ROOT = join(PACKAGE_ROOT, 'templates');
export const GENERATOR_VERSION: string = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')).version;
export const GENERATOR_PACKAGE_NAME = 'create-microforge';
