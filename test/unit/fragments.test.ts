/**
 * Fragments let a component write its part of a shared file: each slot collects, in the order the
 * folders are given, what every fragment rendered, without its last newline and never an empty one.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderFragments } from '../../generators/lib/fragments.js';

function templates(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'fragments-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

// A stand-in for Handlebars: upper-cases the source, and renders `EMPTY` as nothing.
const render = (_path: string, source: string): string => (source === 'EMPTY\n' ? '' : source.toUpperCase());

describe('renderFragments', () => {
  it('fills each slot in folder order and leaves the other slots empty', () => {
    const root = templates({ 'a/configInterface.hbs': 'first\n', 'b/configInterface.hbs': 'second\nline\n', 'b/configChecks.hbs': 'EMPTY\n' });
    try {
      const fragments = renderFragments(['b', 'a'], render, root);
      expect(fragments.configInterface).toEqual(['SECOND\nLINE', 'FIRST']);
      expect(fragments.configChecks).toEqual([]);
      expect(fragments.configTests).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses a file that names no slot', () => {
    const root = templates({ 'a/configInterfaces.hbs': 'typo\n' });
    try {
      expect(() => renderFragments(['a'], render, root)).toThrow('a/configInterfaces.hbs is no fragment slot');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
