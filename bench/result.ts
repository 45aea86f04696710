/**
 * One benchmark figure: a value measured in the same run as its baseline, so the ratio holds on
 * a noisy shared machine where absolute times drift.
 */
export type BenchResult = {
  name: string;
  unit: string;
  value: number;
  baseline: number;
  /** value / baseline. */
  ratio: number;
  /** The ratio the value must stay within: at most this when lower is better, at least when higher is. */
  target?: number;
  notes?: string;
  /** Which way is good; when absent, units per second ('/s') are higher-is-better and everything else lower. */
  better?: 'lower' | 'higher';
};

export function betterDirection(result: Pick<BenchResult, 'unit' | 'better'>): 'lower' | 'higher' {
  return result.better ?? (result.unit.endsWith('/s') ? 'higher' : 'lower');
}

/** 'pass' or 'miss' against the target; undefined without one (or without a usable ratio). */
export function verdict(result: BenchResult): 'pass' | 'miss' | undefined {
  if (result.target === undefined || !Number.isFinite(result.ratio)) return undefined;
  return betterDirection(result) === 'higher' ? (result.ratio >= result.target ? 'pass' : 'miss') : result.ratio <= result.target ? 'pass' : 'miss';
}

export function benchResult(fields: Omit<BenchResult, 'ratio'>): BenchResult {
  const ratio = fields.baseline === 0 ? Number.NaN : fields.value / fields.baseline;
  const result: BenchResult = { ...fields, ratio };
  for (const key of ['target', 'notes', 'better'] as const) if (result[key] === undefined) delete result[key];
  return result;
}

/** A section of the report: what was measured, and the figures. */
export type BenchSection = {
  title: string;
  results: BenchResult[];
  /** Extra lines (absolute figures, the commands compared). */
  details?: string[];
};
