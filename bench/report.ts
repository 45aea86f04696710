/** The human report: one table per section, ratios first, with the target and a pass/miss mark. */
import type { MachineInfo } from './environment.js';
import { betterDirection, verdict, type BenchResult, type BenchSection } from './result.js';
import { formatNumber, formatRatio } from './stats.js';

function targetText(result: BenchResult): string {
  if (result.target === undefined) return '';
  return `${betterDirection(result) === 'higher' ? '>=' : '<='} ${result.target.toFixed(2)}x`;
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join('  ').trimEnd();
}

export function formatTable(results: readonly BenchResult[]): string[] {
  const header = ['figure', 'ratio', 'target', '', 'value', 'baseline', 'unit'];
  const rows = results.map((result) => {
    const mark = verdict(result);
    return [result.name, formatRatio(result.ratio), targetText(result), mark ?? '', formatNumber(result.value), formatNumber(result.baseline), result.unit];
  });
  const widths = header.map((cell, index) => Math.max(cell.length, ...rows.map((row) => row[index]!.length)));
  const lines = [pad(header, widths), pad(widths.map((width) => '-'.repeat(width)), widths), ...rows.map((row) => pad(row, widths))];
  const notes = results.filter((result) => result.notes).map((result) => `  * ${result.name}: ${result.notes}`);
  return [...lines, ...notes];
}

export function formatReport(machine: MachineInfo, sections: readonly BenchSection[]): string {
  const lines = [
    `microforge bench — ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.os}, CLI on Node ${machine.node}`,
    'Ratios are value / baseline, both measured in this run on this machine.',
  ];
  for (const section of sections) {
    lines.push('', `## ${section.title}`, '', ...formatTable(section.results));
    if (section.details?.length) lines.push('', ...section.details.map((detail) => `  ${detail}`));
  }
  const all = sections.flatMap((section) => section.results);
  const missed = all.filter((result) => verdict(result) === 'miss');
  const met = all.filter((result) => verdict(result) === 'pass');
  lines.push('', `Targets: ${met.length} met, ${missed.length} missed${missed.length ? ` (${missed.map((result) => result.name).join('; ')})` : ''}.`);
  return `${lines.join('\n')}\n`;
}

export function formatJson(machine: MachineInfo, sections: readonly BenchSection[]): string {
  return `${JSON.stringify(
    {
      machine,
      sections: sections.map((section) => ({ ...section, results: section.results.map((result) => ({ ...result, verdict: verdict(result) ?? null })) })),
    },
    (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value),
    2,
  )}\n`;
}
