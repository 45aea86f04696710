import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import helpers from 'yeoman-test';
import AppGenerator from '../../generators/app/index.js';

describe('prompts', () => {
  it('asks for what flags left open and renders the answers', async () => {
    const result = await helpers
      .run(AppGenerator)
      .withOptions({ given: { storage: 'none' }, directoryName: 'prompted-dir', interactive: true, dryRun: false } as never)
      .withAnswers({ name: 'asked-name', resource: 'quote', messaging: 'none' });
    const recorded = JSON.parse(readFileSync(join(result.cwd, '.yo-rc.json'), 'utf8'))['create-microforge'];
    expect(recorded).toMatchObject({ name: 'asked-name', resource: 'quote', storage: 'none', messaging: 'none', cache: 'none' });
    result.assertFile(['package.json', 'src/main.ts', 'Dockerfile']);
    result.assertNoFile('migrations');
  });

  it('validates typed answers with the model rules', async () => {
    const { questionsForMissing } = await import('../../generators/app/prompts.js');
    const name = questionsForMissing({}, 'dir').find((question) => question.name === 'name');
    expect(name?.validate?.('Bad_Name')).toMatch(/DNS-1123/);
    expect(name?.validate?.('good-name')).toBe(true);
    const cache = questionsForMissing({}, 'dir').find((question) => question.name === 'cache');
    expect(cache?.when({ storage: 'none' })).toBe(false);
    expect(cache?.choices?.find((choice) => choice.value === 'redis')?.disabled).toBeFalsy();
    const broker = questionsForMissing({}, 'dir').find((question) => question.name === 'broker');
    expect(broker?.when({ messaging: 'none' })).toBe(false);
  });
});
