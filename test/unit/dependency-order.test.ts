import { describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compareDependencyNames, sortedByDependencyName } from '../../generators/lib/dependency-order.js';

const sign = (value: number) => Math.sign(value);

/** Every package name installed here: some 500 real names, scoped and not. */
function installedNames(): string[] {
  const root = join(process.cwd(), 'node_modules');
  return readdirSync(root).flatMap((entry) =>
    entry.startsWith('@') ? readdirSync(join(root, entry)).map((name) => `${entry}/${name}`) : entry.startsWith('.') ? [] : [entry],
  );
}

/** Deterministic pseudo-random names over npm's alphabet, short so that prefixes and ties are common. */
function syntheticNames(count: number): string[] {
  const alphabet = "abz09_-.~!'()*@/";
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, () => Array.from({ length: 1 + Math.floor(next() * 5) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''));
}

describe('dependency order', () => {
  it("orders installed package names exactly as npm's localeCompare(b, 'en') does", () => {
    const names = installedNames();
    expect(names.length).toBeGreaterThan(200);
    const byNpm = [...names].sort((a, b) => a.localeCompare(b, 'en'));
    expect([...names].reverse().sort(compareDependencyNames)).toEqual(byNpm);
  });

  it('agrees with localeCompare on every pair of names over the whole alphabet', () => {
    const names = syntheticNames(400);
    const disagreements = names.flatMap((a) => names.filter((b) => sign(compareDependencyNames(a, b)) !== sign(a.localeCompare(b, 'en'))).map((b) => `${a} ${b}`));
    expect(disagreements).toEqual([]);
  });

  it('falls back to localeCompare outside that alphabet', () => {
    expect(sign(compareDependencyNames('Zeta', 'alpha'))).toBe(sign('Zeta'.localeCompare('alpha', 'en')));
    expect(sign(compareDependencyNames('ab', 'abÉ'))).toBe(-1);
  });

  it('sorts a record by key', () => {
    expect(Object.keys(sortedByDependencyName({ zod: '1', '@types/node': '1', 'fast-json': '1', fastify: '1', '@fastify/otel': '1' }))).toEqual(['@fastify/otel', '@types/node', 'fast-json', 'fastify', 'zod']);
  });
});
