/**
 * The templates as the published package holds them (one pack, dist/bundle/templates.json) read
 * exactly like the templates/ folder of a checkout: the same files, folders and bytes.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEMPLATES_ROOT } from '../../generators/lib/package-root.js';
import { packedTemplateFiles, packTemplates, templateFilesAt, TEMPLATE_PACK_PATH } from '../../generators/lib/template-files.js';

describe('template files', () => {
  const folder = templateFilesAt(TEMPLATES_ROOT);
  const pack = packedTemplateFiles(JSON.parse(packTemplates()) as Record<string, string>);

  it('in the pack are the files, folders and bytes of the templates folder', () => {
    const files = folder.filesUnder('').sort();
    expect(files.length).toBeGreaterThan(300);
    expect(pack.filesUnder('').sort()).toEqual(files);
    for (const path of files) expect(pack.read(path).equals(folder.read(path))).toBe(true);
    const folders = ['', ...new Set(files.flatMap((path) => path.split('/').slice(0, -1).map((_, index, segments) => segments.slice(0, index + 1).join('/'))))];
    for (const directory of folders) {
      expect({ directory, files: pack.filesIn(directory), folders: pack.foldersIn(directory) }).toEqual({ directory, files: folder.filesIn(directory), folders: folder.foldersIn(directory) });
      if (directory !== '') expect(pack.filesUnder(directory).sort()).toEqual(folder.filesUnder(directory).sort());
    }
  });

  it('the build wrote the pack of the templates as they are now', () => {
    expect(readFileSync(TEMPLATE_PACK_PATH, 'utf8')).toBe(packTemplates());
  });

  it('a folder that is not there is an error in both forms, not an empty template folder', () => {
    expect(() => folder.filesUnder('storage/no-such-store')).toThrow('no template folder storage/no-such-store');
    expect(() => pack.filesUnder('storage/no-such-store')).toThrow('no template folder storage/no-such-store');
    expect(pack.filesIn('storage/no-such-store')).toEqual([]);
    expect(folder.filesIn('storage/no-such-store')).toEqual([]);
  });

  it('refuses to pack a file that is not UTF-8 text, which it could not give back byte for byte', () => {
    const root = mkdtempSync(join(tmpdir(), 'template-pack-'));
    try {
      mkdirSync(join(root, 'base'));
      writeFileSync(join(root, 'base', 'README.md'), 'text\n');
      writeFileSync(join(root, 'base', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe]));
      expect(() => packTemplates(root)).toThrow('template base/logo.png is not UTF-8 text, which the template pack cannot hold');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
