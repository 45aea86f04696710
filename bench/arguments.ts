/** The bench's command line: --json, --only KEY[,KEY], --rounds N, --readme. */
export interface BenchArguments {
  json: boolean;
  /** Write the Markdown table into README.md too (a full run only). */
  readme: boolean;
  only?: string[];
  rounds: number;
}

export function parseBenchArguments(argv: readonly string[], known: readonly string[]): BenchArguments {
  const parsed: BenchArguments = { json: false, readme: false, rounds: 5 };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    const [flag, inline] = argument.split('=', 2) as [string, string | undefined];
    const value = () => inline ?? argv[++index] ?? '';
    if (flag === '--json') parsed.json = true;
    else if (flag === '--readme') parsed.readme = true;
    else if (flag === '--only') parsed.only = value().split(',').map((key) => key.trim()).filter(Boolean);
    else if (flag === '--rounds') {
      parsed.rounds = Number(value());
      if (!Number.isInteger(parsed.rounds) || parsed.rounds < 1) throw new Error('--rounds needs a positive integer');
    } else throw new Error(`unknown option '${argument}' (options: --json, --only ${known.join('|')}[,...], --rounds N, --readme)`);
  }
  for (const key of parsed.only ?? []) {
    if (!known.includes(key)) throw new Error(`--only: unknown benchmark '${key}' (known: ${known.join(', ')})`);
  }
  if (parsed.readme && parsed.only) throw new Error('--readme keeps the table of a full run: it does not go with --only');
  return parsed;
}
