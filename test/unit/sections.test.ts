/**
 * Sections: a template folder's `sections/<slot>.*.hbs` files join the slot of that
 * name, in the order the folders render, and are never rendered as files of their own.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { validSpecs } from '../../generators/lib/combinations.js';
import { declaredSlots, sectionsBySlot, slotOf } from '../../generators/lib/sections.js';
import { renderRepo } from '../../generators/lib/render.js';
import { templateFilesAt } from '../../generators/lib/template-files.js';

describe('sections', () => {
  it('gather each slot from the given folders in their order, and know every slot any folder declares', () => {
    const root = mkdtempSync(join(tmpdir(), 'sections-'));
    try {
      for (const path of [
        'storage/postgres/sections/readme-intro.md.hbs',
        'storage/postgres/sections/readme-egress.md.hbs',
        'cache/redis/sections/readme-egress.md.hbs',
        'messaging/common/sections/readme-messaging.md.hbs',
        'kubernetes/sections/readme-deploying.md.hbs',
        'storage/postgres/src/not-a-section.ts.hbs',
      ]) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), 'text\n');
      }
      expect([...declaredSlots(templateFilesAt(root))].sort()).toEqual(['readme-deploying', 'readme-egress', 'readme-intro', 'readme-messaging']);
      expect(Object.fromEntries(sectionsBySlot(['cache/redis', 'storage/postgres'], templateFilesAt(root)))).toEqual({
        'readme-deploying': [],
        'readme-egress': ['cache/redis/sections/readme-egress.md.hbs', 'storage/postgres/sections/readme-egress.md.hbs'],
        'readme-intro': ['storage/postgres/sections/readme-intro.md.hbs'],
        'readme-messaging': [],
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('name a slot by the file name up to its first dot', () => {
    expect(slotOf('readme-configuration.md.hbs')).toBe('readme-configuration');
  });

  it('never become files of the generated repo', () => {
    for (const spec of validSpecs()) {
      expect([...renderRepo(spec).keys()].filter((path) => path.split('/').includes('sections'))).toEqual([]);
    }
  });
});
