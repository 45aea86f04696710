/**
 * One benchmark figure: a value measured in the same run as its baseline, so the ratio holds on
 * a noisy shared machine where absolute times drift. Figures taken over rounds keep their spread:
 * the value's and the baseline's range, and the range of the per-round ratios (value and
 * baseline of one round were measured next to each other, so a neighbour's burst hits both).
 */
import { median } from './stats.js';

export type Range = readonly [low: number, high: number];

export type BenchResult = {
  name: string;
  unit: string;
  /** The median over rounds (or the one measurement). */
  value: number;
  baseline: number;
  /** The median of the per-round ratios when rounds are paired, else value / baseline. */
  ratio: number;
  /** Min-max over rounds; absent for a figure measured once (an image's size). */
  valueRange?: Range;
  baselineRange?: Range;
  ratioRange?: Range;
  rounds?: number;
  /** The ratio the value must stay within: at most this when lower is better, at least when higher is. */
  target?: number;
  notes?: string;
  /** Which way is good; when absent, units per second ('/s') are higher-is-better and everything else lower. */
  better?: 'lower' | 'higher';
};

export function betterDirection(result: Pick<BenchResult, 'unit' | 'better'>): 'lower' | 'higher' {
  return result.better ?? (result.unit.endsWith('/s') ? 'higher' : 'lower');
}

/** 'pass' or 'miss' against the target (judged on the median ratio); undefined without one. */
export function verdict(result: BenchResult): 'pass' | 'miss' | undefined {
  if (result.target === undefined || !Number.isFinite(result.ratio)) return undefined;
  return betterDirection(result) === 'higher' ? (result.ratio >= result.target ? 'pass' : 'miss') : result.ratio <= result.target ? 'pass' : 'miss';
}

type Fields = Omit<BenchResult, 'ratio' | 'value' | 'baseline' | 'valueRange' | 'baselineRange' | 'ratioRange' | 'rounds'>;

function drop<T extends object>(result: T): T {
  for (const [key, value] of Object.entries(result)) if (value === undefined) delete (result as Record<string, unknown>)[key];
  return result;
}

/** A figure measured once (no rounds): value and baseline as given. */
export function benchResult(fields: Fields & { value: number; baseline: number }): BenchResult {
  const ratio = fields.baseline === 0 ? Number.NaN : fields.value / fields.baseline;
  return drop({ ...fields, ratio });
}

function range(values: readonly number[]): Range | undefined {
  const finite = values.filter((value) => Number.isFinite(value));
  return finite.length ? [Math.min(...finite), Math.max(...finite)] : undefined;
}

/**
 * A figure over rounds. When `values` and `baselines` have the same length they are paired by
 * round (round i of each was taken next to the other) and the ratio is the median of the
 * per-round ratios; otherwise it is the ratio of the medians, and no ratio range is given.
 */
export function roundsResult(fields: Fields & { values: readonly number[]; baselines: readonly number[] }): BenchResult {
  const { values, baselines, ...rest } = fields;
  const value = median(values);
  const baseline = median(baselines);
  const paired = values.length === baselines.length && values.length > 0;
  const ratios = paired ? values.map((one, index) => (baselines[index] === 0 ? Number.NaN : one / baselines[index]!)) : [];
  const ratio = paired ? median(ratios) : baseline === 0 ? Number.NaN : value / baseline;
  return drop({
    ...rest,
    value,
    baseline,
    ratio,
    valueRange: range(values),
    baselineRange: range(baselines),
    ratioRange: paired ? range(ratios) : undefined,
    rounds: Math.max(values.length, baselines.length),
  });
}

/** A section of the report: what was measured, and the figures. */
export type BenchSection = {
  title: string;
  results: BenchResult[];
  /** Extra lines (absolute figures, the commands compared). */
  details?: string[];
};
