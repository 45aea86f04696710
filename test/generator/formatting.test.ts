/**
 * Rendered repos look hand-written: prettier, run with each repo's own configuration, changes
 * nothing in any file it formats, in every combination of choices, the golden scenarios, and with
 * resources added (`microforge add resource`) to every combination.
 */
import { describe, expect, it } from '@jest/globals';
import { validSpecs } from '../../generators/lib/combinations.js';
import { renderRepo } from '../../generators/lib/render.js';
import { GOLDEN_SCENARIOS, renderScenario } from '../../tools/golden.js';
import { formattingDifferences } from '../../tools/formatting.js';

const addedResources = GOLDEN_SCENARIOS['postgres-with-added-resources']?.resources ?? [];

describe('rendered files are already formatted', () => {
  // About 10 s of CPU: every distinct file of 45 repos through prettier.
  it('prettier changes nothing in the golden scenarios, the choice matrix, or the matrix with added resources', async () => {
    const trees = [
      ...Object.values(GOLDEN_SCENARIOS).map(renderScenario),
      ...validSpecs().map((spec) => renderRepo(spec)),
      ...validSpecs()
        .filter((spec) => spec.storage !== 'none')
        .map((spec) => renderRepo({ ...spec, resources: [...(spec.resources ?? []), ...addedResources] })),
    ];
    expect(addedResources.length).toBeGreaterThan(0);
    expect(await formattingDifferences(trees)).toEqual([]);
  }, 300_000);

  it('names the file and its first line prettier would change', async () => {
    const rendered = renderScenario({});
    const path = 'src/http/errors.ts';
    // The repo's settings and the one file: a template whose indentation slipped.
    const tree = new Map(['.prettierrc.json', '.prettierignore', '.editorconfig', path].map((file) => [file, rendered.get(file) as Buffer]));
    const lines = (tree.get(path) as Buffer).toString('utf8').split('\n');
    const index = lines.findIndex((line) => line.startsWith('  '));
    lines[index] = ` ${lines[index]}`;
    tree.set(path, Buffer.from(lines.join('\n')));
    expect(await formattingDifferences([tree])).toEqual([{ path, line: index + 1, rendered: lines[index], formatted: lines[index]?.slice(1) }]);
  });
});
