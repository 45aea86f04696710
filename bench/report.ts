/**
 * The reports: one table per section for the terminal, JSON for tools, and Markdown (one table of
 * every figure with its spread, the machine and the command that produced it) for
 * bench/results/latest.md and the README's table.
 */
import type { MachineInfo } from './environment.js';
import { betterDirection, verdict, type BenchResult, type BenchSection, type Range } from './result.js';
import { formatNumber, formatRatio } from './stats.js';

function targetText(result: BenchResult): string {
  if (result.target === undefined) return '';
  return `${betterDirection(result) === 'higher' ? '>=' : '<='} ${result.target.toFixed(2)}x`;
}

function rangeText(range: Range | undefined, format: (value: number) => string): string {
  return range ? `${format(range[0])}-${format(range[1])}` : '';
}

function ratioRangeText(range: Range | undefined): string {
  return range ? `${range[0].toFixed(2)}-${range[1].toFixed(2)}x` : '';
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join('  ').trimEnd();
}

export function formatTable(results: readonly BenchResult[]): string[] {
  const header = ['figure', 'ratio', 'min-max', 'target', '', 'value', 'min-max', 'baseline', 'min-max', 'unit'];
  const rows = results.map((result) => [
    result.name,
    formatRatio(result.ratio),
    ratioRangeText(result.ratioRange),
    targetText(result),
    verdict(result) ?? '',
    formatNumber(result.value),
    rangeText(result.valueRange, formatNumber),
    formatNumber(result.baseline),
    rangeText(result.baselineRange, formatNumber),
    result.unit,
  ]);
  const widths = header.map((cell, index) => Math.max(cell.length, ...rows.map((row) => row[index]!.length)));
  const lines = [pad(header, widths), pad(widths.map((width) => '-'.repeat(width)), widths), ...rows.map((row) => pad(row, widths))];
  const notes = results.filter((result) => result.notes).map((result) => `  * ${result.name}: ${result.notes}`);
  return [...lines, ...notes];
}

function machineLine(machine: MachineInfo): string {
  return `${machine.cpus} CPUs (${machine.cpuModel}), ${machine.os}, CLI on Node ${machine.node}${machine.serviceNode ? `, services on Node ${machine.serviceNode}` : ''}`;
}

function targetsLine(sections: readonly BenchSection[]): string {
  const all = sections.flatMap((section) => section.results);
  const missed = all.filter((result) => verdict(result) === 'miss');
  const met = all.filter((result) => verdict(result) === 'pass');
  return `Targets: ${met.length} met, ${missed.length} missed${missed.length ? ` (${missed.map((result) => result.name).join('; ')})` : ''}.`;
}

export function formatReport(machine: MachineInfo, sections: readonly BenchSection[]): string {
  const lines = [`microforge bench — ${machineLine(machine)}`, 'Ratios are value / baseline, both measured in this run on this machine; min-max over rounds.'];
  for (const section of sections) {
    lines.push('', `## ${section.title}`, '', ...formatTable(section.results));
    if (section.details?.length) lines.push('', ...section.details.map((detail) => `  ${detail}`));
  }
  lines.push('', targetsLine(sections));
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

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function withRange(value: string, range: string): string {
  return range ? `${value} (${range})` : value;
}

export interface RunInfo {
  /** The command that reproduces the run, e.g. `npm run bench -- --readme`. */
  command: string;
  /** ISO date of the run. */
  date: string;
}

/** One Markdown table of every figure, with the machine and the command that produced it. */
export function formatMarkdown(machine: MachineInfo, sections: readonly BenchSection[], run: RunInfo): string {
  const rounds = [...new Set(sections.flatMap((section) => section.results.map((result) => result.rounds)).filter((value): value is number => value !== undefined))];
  const lines = [
    `Latest run: \`${run.command}\` on ${run.date.slice(0, 10)}, ${machineLine(machine)}. Ratios are value / baseline measured in the same run; ` +
      `the ratio is the median of per-round ratios${rounds.length ? ` over ${rounds.join('/')} interleaved rounds` : ''}, with their min-max in brackets, as for the value and the baseline.`,
    '',
    '| section | figure | ratio (min-max) | target | value (min-max) | baseline (min-max) | unit |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const section of sections) {
    for (const result of section.results) {
      const mark = verdict(result);
      lines.push(
        `| ${cell(section.title)} | ${cell(result.name)} | ${withRange(formatRatio(result.ratio), ratioRangeText(result.ratioRange))} | ${targetText(result)}${mark ? ` ${mark === 'pass' ? '✔' : '✘'}` : ''} | ${withRange(formatNumber(result.value), rangeText(result.valueRange, formatNumber))} | ${withRange(formatNumber(result.baseline), rangeText(result.baselineRange, formatNumber))} | ${result.unit} |`,
      );
    }
  }
  lines.push('', targetsLine(sections));
  const details = sections.filter((section) => section.details?.length || section.results.some((result) => result.notes));
  if (details.length) {
    lines.push('');
    for (const section of details) {
      lines.push(`- ${section.title}:`);
      for (const detail of section.details ?? []) lines.push(`  - ${detail}`);
      for (const result of section.results.filter((one) => one.notes)) lines.push(`  - ${result.name}: ${result.notes}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export const README_BEGIN = '<!-- bench:begin (written by `npm run bench -- --readme`; edit bench/report.ts, not this table) -->';
export const README_END = '<!-- bench:end -->';

/** The README with its bench table replaced; throws when the markers are missing. */
export function replaceReadmeTable(readme: string, table: string): string {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin) throw new Error(`README.md has no bench markers (${README_BEGIN} ... ${README_END})`);
  return `${readme.slice(0, begin + README_BEGIN.length)}\n${table}${readme.slice(end)}`;
}
