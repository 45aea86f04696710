/** Human-readable and JSON renderings of an audit result. */
import { PRINCIPLES, type Finding } from './model.js';
import type { AuditResult } from './audit.js';

type Styler = (style: 'red' | 'yellow' | 'bold' | 'dim' | 'green', text: string) => string;

const objectText = (finding: Finding): string => `${finding.object.kind}/${finding.object.name}${finding.object.namespace ? ` -n ${finding.object.namespace}` : ''}`;

export function humanReport(result: AuditResult, style: Styler = (_s, text) => text): string[] {
  const lines: string[] = [];
  const { summary } = result;
  const scope = [
    summary.overlays.length ? `overlays ${summary.overlays.join(', ')}` : '',
    summary.manifestFiles ? `${summary.manifestFiles} manifest file(s)` : '',
    summary.dockerfiles.length ? summary.dockerfiles.join(', ') : '',
    summary.sourceFiles ? `${summary.sourceFiles} source file(s)` : '',
  ].filter(Boolean);
  lines.push(style('dim', `Audited ${scope.join('; ')}`));
  for (const principle of PRINCIPLES) {
    const group = result.findings.filter((finding) => finding.principle === principle);
    if (!group.length) continue;
    lines.push('', style('bold', principle));
    for (const finding of group) {
      const severity = finding.severity === 'error' ? style('red', 'error  ') : style('yellow', 'warning');
      lines.push(`  ${severity} ${finding.rule}  ${objectText(finding)} (${finding.source})  ${finding.message} — fix: ${finding.fix}`);
    }
  }
  if (result.notes.length) {
    lines.push('', style('bold', 'Notes (where public linters disagree, the side this audit takes):'));
    for (const note of result.notes) lines.push(`  - ${note}`);
  }
  const verdict = summary.errors
    ? style('red', `✖ ${summary.errors} error(s), ${summary.warnings} warning(s)`)
    : summary.warnings
      ? style('yellow', `✔ no errors, ${summary.warnings} warning(s)`)
      : style('green', '✔ no findings');
  lines.push('', verdict);
  return lines;
}

export function jsonReport(result: AuditResult): string {
  return JSON.stringify(
    {
      findings: result.findings.map((finding) => ({
        rule: finding.rule,
        severity: finding.severity,
        principle: finding.principle,
        object: { kind: finding.object.kind, name: finding.object.name, namespace: finding.object.namespace ?? null },
        source: finding.source,
        message: finding.message,
        fix: finding.fix,
      })),
      summary: { ...result.summary, total: result.findings.length },
      notes: result.notes,
    },
    null,
    2,
  );
}
