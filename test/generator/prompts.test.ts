import { describe, expect, it } from '@jest/globals';
import { TestAdapter } from '@yeoman/adapter/testing';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAppGenerator } from '../../bin/cli/run-generator.js';

describe('prompts', () => {
  it('asks for what flags left open and renders the answers', async () => {
    // Yeoman's own test adapter answers through the same prompt path a terminal would.
    const cwd = await mkdtemp(join(tmpdir(), 'microforge-prompts-'));
    try {
      const adapter = new TestAdapter({ mockedAnswers: { name: 'asked-name', resource: 'quote', messaging: 'none' }, throwOnMissingAnswer: true });
      await runAppGenerator({ destinationRoot: cwd, given: { storage: 'none' }, directoryName: 'prompted-dir', interactive: true, dryRun: false, prompter: adapter });
      const recorded = JSON.parse(readFileSync(join(cwd, '.yo-rc.json'), 'utf8'))['create-microforge'];
      expect(recorded).toMatchObject({ name: 'asked-name', resource: 'quote', storage: 'none', messaging: 'none', cache: 'none' });
      for (const file of ['package.json', 'src/main.ts', 'Dockerfile']) expect(existsSync(join(cwd, file))).toBe(true);
      expect(existsSync(join(cwd, 'migrations'))).toBe(false);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
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
