import { afterAll, describe, expect, it } from '@jest/globals';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitFiles, writeIntoFreshDirectory } from '../../bin/cli/commit-files.js';

const scratches: string[] = [];

function scratch(): string {
  const directory = mkdtempSync(join(tmpdir(), 'microforge-commit-'));
  scratches.push(directory);
  return directory;
}

afterAll(() => {
  for (const directory of scratches) rmSync(directory, { recursive: true, force: true });
});

describe('commitFiles, the way the CLI writes to an existing repo', () => {
  it('writes new files into folders it creates, and deletes what a change removes', async () => {
    const root = scratch();
    mkdirSync(join(root, 'old'));
    writeFileSync(join(root, 'old', 'gone.txt'), 'bye\n');
    await commitFiles(
      [
        { path: join(root, 'a', 'b', 'c.txt'), contents: Buffer.from('deep\n'), decided: true },
        { path: join(root, 'a', 'd.txt'), contents: Buffer.from('shallow\n'), decided: true },
        { path: join(root, 'old', 'gone.txt'), contents: undefined, decided: true },
      ],
      { root, force: false, ask: false },
    );
    expect(readFileSync(join(root, 'a', 'b', 'c.txt'), 'utf8')).toBe('deep\n');
    expect(readFileSync(join(root, 'a', 'd.txt'), 'utf8')).toBe('shallow\n');
    expect(existsSync(join(root, 'old', 'gone.txt'))).toBe(false);
  });

  it("overwrites a decided file and keeps its mode (a user's executable script stays executable)", async () => {
    const root = scratch();
    const script = join(root, 'run.sh');
    writeFileSync(script, '#!/bin/sh\necho old\n');
    chmodSync(script, 0o755);
    await commitFiles([{ path: script, contents: Buffer.from('#!/bin/sh\necho new\n'), decided: true }], { root, force: false, ask: false });
    expect(readFileSync(script, 'utf8')).toBe('#!/bin/sh\necho new\n');
    expect(statSync(script).mode & 0o777).toBe(0o755);
  });

  it('writes an undecided conflict when forced (--force), without asking', async () => {
    const root = scratch();
    const file = join(root, 'README.md');
    writeFileSync(file, 'mine\n');
    await commitFiles([{ path: file, contents: Buffer.from('theirs\n'), decided: false }], { root, force: true, ask: false });
    expect(readFileSync(file, 'utf8')).toBe('theirs\n');
  });

  it('refuses to write where a file stands in the way of a folder, with the path in the error', async () => {
    const root = scratch();
    writeFileSync(join(root, 'src'), 'a file, not a folder\n');
    await expect(commitFiles([{ path: join(root, 'src', 'main.ts'), contents: Buffer.from('x\n'), decided: true }], { root, force: false, ask: false })).rejects.toThrow(/src/);
  });
});

describe('writeIntoFreshDirectory, for the directory `new` has just made', () => {
  it('writes every file of the tree, byte for byte, into the folders it needs', () => {
    const root = scratch();
    const tree = new Map([
      ['package.json', Buffer.from('{}\n')],
      ['src/http/app.ts', Buffer.from('export {};\n')],
      ['k8s/base/deployment.yaml', Buffer.from('kind: Deployment\n')],
      ['.github/workflows/ci.yml', Buffer.from([0xe2, 0x9c, 0x94, 0x0a])],
    ]);
    writeIntoFreshDirectory(root, tree);
    for (const [path, contents] of tree) expect(readFileSync(join(root, path))).toEqual(contents);
  });

  it('refuses to replace a file that is already there, leaving it as it was', () => {
    const root = scratch();
    writeFileSync(join(root, 'README.md'), 'mine\n');
    expect(() => writeIntoFreshDirectory(root, new Map([['README.md', Buffer.from('generated\n')]]))).toThrow(/EEXIST/);
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toBe('mine\n');
  });
});
