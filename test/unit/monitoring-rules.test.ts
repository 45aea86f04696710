/**
 * The PrometheusRule of k8s/components/monitoring, for every combination: `promtool check rules`
 * (Debian's prometheus package; CI installs it) parses each alert's PromQL, and each alert reads
 * only metrics the rendered service registers (or kube-state-metrics'), so a renamed metric
 * cannot leave an alert that never fires.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse as parseYaml } from 'yaml';
import { validSpecs } from '../../generators/lib/combinations.js';
import { renderRepo, type RenderedTree } from '../../generators/lib/render.js';

const specs = validSpecs({ name: 'order-service', resource: 'order-line' }, { includeUnavailable: true });
const RULE_FILE = 'k8s/components/monitoring/prometheusrule.yaml';
/** Series from outside the service (kube-state-metrics) and PromQL functions' own names. */
const EXTERNAL = new Set(['kube_pod_status_ready']);

interface AlertRule {
  alert: string;
  expr: string;
}

function rulesOf(tree: RenderedTree): { groups: Array<{ name: string; rules: AlertRule[] }> } {
  const text = tree.get(RULE_FILE)?.toString('utf8');
  if (text === undefined) throw new Error(`${RULE_FILE} is not rendered`);
  return (parseYaml(text) as { spec: { groups: Array<{ name: string; rules: AlertRule[] }> } }).spec;
}

/** Metric names the service's code registers: `name: '...'` in prom-client constructors. */
function registeredMetrics(tree: RenderedTree): Set<string> {
  const names = new Set<string>();
  for (const [path, contents] of tree) {
    if (!path.startsWith('src/') || !path.endsWith('.ts')) continue;
    for (const match of contents.toString('utf8').matchAll(/\bname: '([a-z_]+)'/g)) names.add(match[1] ?? '');
  }
  return names;
}

/** Metric names in a PromQL expression: identifiers followed by a label matcher. */
const seriesIn = (expr: string): string[] => [...expr.matchAll(/([a-z_:][a-z0-9_:]*)\{/g)].map((match) => match[1] ?? '');

describe.each(specs.map((spec) => [`${spec.storage}/${spec.cache}/${spec.messaging}/${spec.broker ?? '-'}`, spec] as const))('alerts of %s', (_label, spec) => {
  const tree = renderRepo(spec);

  it('pass promtool check rules', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'microforge-rules-'));
    try {
      const file = join(dir, 'rules.yaml');
      writeFileSync(file, JSON.stringify(rulesOf(tree)));
      const result = await execa('promtool', ['check', 'rules', file], { reject: false });
      expect({ exitCode: result.exitCode, output: result.exitCode === 0 ? '' : `${result.stdout}${result.stderr}` }).toEqual({ exitCode: 0, output: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('read only metrics the service registers', () => {
    const registered = registeredMetrics(tree);
    const base = (series: string): string => series.replace(/_(count|sum|bucket)$/, '');
    for (const rule of rulesOf(tree).groups.flatMap((group) => group.rules)) {
      const unknown = seriesIn(rule.expr).filter((series) => !EXTERNAL.has(series) && !registered.has(series) && !registered.has(base(series)));
      expect({ alert: rule.alert, unknown }).toEqual({ alert: rule.alert, unknown: [] });
    }
  });
});
