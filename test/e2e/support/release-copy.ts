import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';

/** A copy of this package as another release, so a test can change its templates. */
export async function releaseCopy(root: string, version: string): Promise<string> {
  const release = join(root, version);
  await mkdir(release, { recursive: true });
  for (const entry of ['dist', 'templates']) await cp(join(REPO_ROOT, entry), join(release, entry), { recursive: true });
  const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8'));
  await writeFile(join(release, 'package.json'), JSON.stringify({ ...manifest, version }, null, 2));
  await symlink(join(REPO_ROOT, 'node_modules'), join(release, 'node_modules'));
  return release;
}
