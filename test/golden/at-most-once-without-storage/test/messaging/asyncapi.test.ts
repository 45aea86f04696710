/**
 * docs/asyncapi.yaml against the code and a standard validator: it must be the document
 * src/messaging/asyncapi.ts builds from the schemas the consumer and the publishers use, and
 * @asyncapi/parser must find no error in it.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Parser } from '@asyncapi/parser';
import { parse, stringify } from 'yaml';
import { asyncApiDocument } from '../../src/messaging/asyncapi.ts';
import { packageRoot } from '../../src/package-root.ts';

const FILE = join(packageRoot(), 'docs', 'asyncapi.yaml');

async function committed(): Promise<{ text: string; version: string }> {
  const { version } = JSON.parse(await readFile(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return { text: await readFile(FILE, 'utf8'), version };
}

describe('docs/asyncapi.yaml', () => {
  it('is the document the code builds from its message schemas', async () => {
    const { text, version } = await committed();
    const expected = JSON.parse(JSON.stringify(asyncApiDocument(version))) as unknown;
    assert.deepEqual(parse(text), expected, `docs/asyncapi.yaml is out of date; it should read:\n${stringify(expected)}`);
  });

  it('is a valid AsyncAPI 3 document', async () => {
    const { text } = await committed();
    const diagnostics = await new Parser().validate(text);
    // Severity 0 is an error; warnings and hints (style advice) do not make a document invalid.
    const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 0).map((diagnostic) => `${diagnostic.path.join('.')}: ${diagnostic.message}`);
    assert.deepEqual(errors, []);
  });
});
