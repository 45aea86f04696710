/**
 * Every combination with storage passes its own `npm test` on the embedded database (no
 * DATABASE_URL), with Redis and the broker at the machine's services, as a developer runs it
 * after `microforge new`: 3 caches × 5 messaging setups = 15 repos. They differ in dependencies
 * only by component, so they share one install (support/shared-install.ts); the generated code
 * is what differs, and each repo runs all of its own tests.
 */
import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AMQP_TEST_URL, describeRun, isolatedTmpDir, makeWorkDir, NATS_TEST_URL, npmWithServiceNode, runCli, useE2eCleanup, type RunResult } from './support/index.js';
import { installSharedDependencies, undeclaredImports } from './support/shared-install.js';

useE2eCleanup(120_000);

const MINUTES = 60_000;
/** Repos tested at once: their tests often wait on timers and round trips, so two cores carry two. */
const CONCURRENCY = Number(process.env.MICROFORGE_E2E_EMBEDDED_CONCURRENCY ?? 2);

interface Combination {
  cache: 'none' | 'memory' | 'redis';
  messaging: 'none' | 'at-most-once' | 'at-least-once';
  broker?: 'rabbitmq' | 'nats';
}

const messagingSetups: Omit<Combination, 'cache'>[] = [
  { messaging: 'none' },
  ...(['at-most-once', 'at-least-once'] as const).flatMap((messaging) => (['rabbitmq', 'nats'] as const).map((broker) => ({ messaging, broker }))),
];
const combinations: Combination[] = (['none', 'memory', 'redis'] as const).flatMap((cache) => messagingSetups.map((setup) => ({ cache, ...setup })));
const label = ({ cache, messaging, broker }: Combination) => `cache ${cache}, messaging ${messaging}${broker ? ` on ${broker}` : ''}`;
// Names of their own: queues, streams and cache keys on the shared services are named after the service.
const suffix = randomBytes(2).toString('hex');
const nameOf = ({ cache, messaging, broker }: Combination) =>
  ['emb', cache, { none: 'none', 'at-most-once': 'amo', 'at-least-once': 'alo' }[messaging], broker ?? '', suffix].filter(Boolean).join('-');

/** What is wrong with one repo's embedded run (empty when nothing is). */
function problemsOf(which: string, result: RunResult, counts: Record<string, number>): string[] {
  if (result.exitCode !== 0) return [describeRun(`npm test (embedded, ${which})`, result)];
  const problems: string[] = [];
  if (!/^database: embedded PostgreSQL \(PGlite, in memory, started in \d+ ms\)/m.test(result.stdout)) problems.push(`${which}: the run did not say it used the embedded database`);
  if (counts['fail'] !== 0 || counts['cancelled'] !== 0 || (counts['pass'] ?? 0) < 100) problems.push(`${which}: counts ${JSON.stringify(counts)}`);
  // Only what the embedded database cannot show is skipped, each with its reason (ADR 0006).
  const skipped = (result.stdout.match(/^\s*﹣ .*$/gm) ?? []).filter((line) => !line.includes('# the embedded database'));
  if (skipped.length > 0) problems.push(`${which}: skipped without the embedded database's reason: ${skipped.join('; ')}`);
  return problems;
}

/** `work` over `items`, at most `limit` at a time, results in input order. */
async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

describe('every combination with storage on the embedded database', () => {
  const repos = new Map<string, string>();

  it('renders the 15 repos without installing and installs their dependencies once', async () => {
    const work = await makeWorkDir('e2e-embedded');
    for (const combination of combinations) {
      const repo = join(work, nameOf(combination));
      const messaging = ['--messaging', combination.messaging, ...(combination.broker ? ['--broker', combination.broker] : [])];
      const generated = await runCli(['new', repo, '--yes', '--storage', 'postgres', '--cache', combination.cache, ...messaging, '--skip-install', '--skip-git']);
      expect({ exitCode: generated.exitCode, output: generated.exitCode === 0 ? '' : describeRun('microforge new', generated) }).toEqual({ exitCode: 0, output: '' });
      repos.set(label(combination), repo);
    }
    // The shared node_modules holds every repo's packages: a repo importing one it does not declare would pass here and fail after its own install.
    const undeclared = await undeclaredImports([...repos.values()]);
    expect(Object.values(undeclared).flat()).toEqual([]);
    const shared = join(work, 'shared-dependencies');
    await mkdir(shared);
    await installSharedDependencies(shared, [...repos.values()]);
  }, 12 * MINUTES);

  it(`each one's own npm test passes on the embedded database (${CONCURRENCY} at a time)`, async () => {
    expect(repos.size).toBe(combinations.length);
    const problems = await mapWithConcurrency([...repos], CONCURRENCY, async ([which, repo]) => {
      const tmp = await isolatedTmpDir(dirname(repo));
      const env = { DATABASE_URL: '', AMQP_URL: AMQP_TEST_URL, NATS_URL: NATS_TEST_URL, TMPDIR: tmp.path };
      const result = await npmWithServiceNode(repo, ['test'], { env, timeoutMs: 15 * MINUTES });
      const counts = Object.fromEntries(['pass', 'fail', 'skipped', 'cancelled'].map((kind) => [kind, Number(new RegExp(`^ℹ ${kind} (\\d+)$`, 'm').exec(result.stdout)?.[1] ?? -1)]));
      const problems = problemsOf(which, result, counts);
      // On a developer's machine every run's leftovers would pile up (the embedded database's data directory alone is about 40 MB).
      const left = await tmp.leftovers();
      if (left.length > 0) problems.push(`${which}: its tests left ${left.join(', ')} in their temp dir`);
      // As each one ends, not only at the end: a failure is readable while the others still run.
      process.stdout.write(`embedded npm test, ${which}: exit ${String(result.exitCode)}, ${JSON.stringify(counts)} in ${Math.round(result.durationMs / 1000)} s\n${problems.join('\n')}`);
      return problems;
    });
    expect(problems.flat()).toEqual([]);
  }, 75 * MINUTES);

  // The tests run with type stripping, which never type-checks: a repo whose own tests pass can
  // still fail its CI's `npm run typecheck` (a template comparing two different literals did).
  it('each one typechecks, also after adding two resources with every field type', async () => {
    expect(repos.size).toBe(combinations.length);
    const problems = await mapWithConcurrency([...repos], CONCURRENCY, async ([which, repo]) => {
      const found: string[] = [];
      const typecheck = async (stage: string) => {
        const result = await npmWithServiceNode(repo, ['run', 'typecheck'], { timeoutMs: 5 * MINUTES });
        if (result.exitCode !== 0) found.push(describeRun(`npm run typecheck (${which}, ${stage})`, result));
      };
      await typecheck('as generated');
      for (const [name, fields] of RESOURCES) {
        const added = await runCli(['add', 'resource', name, ...fields.flatMap((field) => ['--field', field]), '--skip-install'], { cwd: repo });
        if (added.exitCode !== 0) found.push(describeRun(`microforge add resource ${name} (${which})`, added));
      }
      await typecheck('with two added resources');
      return found;
    });
    expect(problems.flat()).toEqual([]);
  }, 20 * MINUTES);
});

/** Two resources covering every field type, optional and required. */
const RESOURCES: ReadonlyArray<[string, string[]]> = [
  ['order', ['title:string', 'amount:number', 'due:timestamp?', 'paid:boolean']],
  ['order-line', ['sku:string', 'qty:integer', 'ref:uuid?', 'note:text?']],
];
