/**
 * Choice knowledge lives with the component that owns the choice: shared templates iterate over
 * contributions instead of asking `{{#if cacheRedis}}`. The ceiling only ever goes down.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { TEMPLATES_ROOT } from '../../generators/lib/package-root.js';
import { countChoiceConditionals } from '../../tools/choice-conditionals.js';

const CEILING_OUTSIDE_OWNER = 0;

describe('choice conditionals in templates', () => {
  it('count opening #if/#unless/else-if tags on a choice, and those outside the owning component folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'conditionals-'));
    try {
      const files: Record<string, string> = {
        'docs/README.md.hbs': '{{#if storagePostgres}}a{{else if cacheRedis}}b{{/if}}{{#unless messagingAny}}c{{/unless}}{{#if name}}d{{/if}}',
        'storage/postgres/store.ts.hbs': '{{#if storagePostgres}}{{/if}}{{#if messagingOutbox}}{{/if}}',
        'messaging/nats/broker.ts.hbs': '{{~#if brokerNats}}{{/if}}',
      };
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), text);
      }
      expect(countChoiceConditionals(root)).toEqual({
        total: 6,
        outsideOwner: 4,
        outsideByFile: { 'docs/README.md.hbs': 3, 'storage/postgres/store.ts.hbs': 1 },
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it(`stay at most ${CEILING_OUTSIDE_OWNER} outside the owning component folder`, () => {
    expect(countChoiceConditionals(TEMPLATES_ROOT).outsideOwner).toBeLessThanOrEqual(CEILING_OUTSIDE_OWNER);
  });
});
