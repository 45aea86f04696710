/**
 * `microforge audit` as a library: discover → render → parse → run every rule → findings.
 * `runRules` works on in-memory input (the unit tests use it); `auditRepo` reads a directory.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../generators/lib/usage-error.js';
import { discoverRepo, type RepoContents } from './discover.js';
import { findKubectl, RenderError, renderKustomization } from './kustomize.js';
import { PRINCIPLES, type AuditInput, type Finding, type Hit, type ManifestUnit } from './model.js';
import { RENDER_RULE, RULES } from './rules/index.js';
import { ManifestParseError, parseManifests } from './yaml.js';

export interface AuditSummary {
  errors: number;
  warnings: number;
  overlays: string[];
  manifestFiles: number;
  dockerfiles: string[];
  sourceFiles: number;
  kubectl?: string;
}

export interface AuditResult {
  findings: Finding[];
  summary: AuditSummary;
  notes: string[];
}

const severityOrder = { error: 0, warning: 1 } as const;

export function toFinding(ruleId: string, hit: Hit): Finding {
  const rule = RULES.find((candidate) => candidate.id === ruleId) ?? RENDER_RULE;
  return { rule: rule.id, severity: rule.severity, principle: rule.principle, object: hit.object, source: hit.source, message: hit.message, fix: hit.fix ?? rule.fix };
}

export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      PRINCIPLES.indexOf(a.principle) - PRINCIPLES.indexOf(b.principle) ||
      severityOrder[a.severity] - severityOrder[b.severity] ||
      a.rule.localeCompare(b.rule) ||
      a.source.localeCompare(b.source) ||
      `${a.object.kind}/${a.object.name}`.localeCompare(`${b.object.kind}/${b.object.name}`) ||
      a.message.localeCompare(b.message),
  );
}

/** Runs every rule (or the given ones) on in-memory input. */
export async function runRules(input: AuditInput, rules = RULES): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const rule of rules) for (const hit of await rule.check(input)) findings.push(toFinding(rule.id, hit));
  return sortFindings(findings);
}

/** The decided contradictions between public tools, for the output's notes. */
export function contradictionNotes(): string[] {
  return RULES.flatMap((rule) => (rule.decision ? [rule.decision] : []));
}

export interface AuditOptions {
  env?: NodeJS.ProcessEnv;
  /** Never fetch kubectl (the audit's --offline). */
  offline?: boolean;
  /** Where the one line about fetching kubectl goes. */
  notice?: (line: string) => void;
}

export async function auditRepo(directory: string, options: AuditOptions = {}): Promise<AuditResult> {
  const repo: RepoContents = discoverRepo(directory);
  if (!repo.kustomizeRoots.length && !repo.manifestFiles.length) {
    throw new UsageError(`no Kubernetes manifests in ${directory} (looked for kustomization.yaml and YAML files with apiVersion and kind)`);
  }
  const renderFailures: Hit[] = [];
  const units: ManifestUnit[] = [];
  let kubectl: string | undefined;
  if (repo.kustomizeRoots.length) {
    kubectl = findKubectl(options.env ?? process.env);
    if (!kubectl) {
      const { obtainKubectl } = await import('./kubectl-download.js');
      kubectl = await obtainKubectl({ ...(options.env ? { env: options.env } : {}), offline: options.offline ?? false, notice: options.notice ?? (() => undefined) });
    }
    const rendered = await Promise.all(
      repo.kustomizeRoots.map(async (overlay) => {
        try {
          return { overlay, text: await renderKustomization(kubectl as string, join(repo.root, overlay)) };
        } catch (error) {
          if (!(error instanceof RenderError)) throw error;
          return { overlay, error: error.message };
        }
      }),
    );
    for (const result of rendered) {
      if ('error' in result) {
        renderFailures.push({ object: { kind: 'Kustomization', name: result.overlay }, source: result.overlay, message: `kubectl kustomize failed: ${result.error}` });
        continue;
      }
      try {
        units.push({ source: result.overlay, objects: parseManifests(result.text, result.overlay) });
      } catch (error) {
        if (!(error instanceof ManifestParseError)) throw error;
        renderFailures.push({ object: { kind: 'Kustomization', name: result.overlay }, source: result.overlay, message: error.message });
      }
    }
  }
  if (repo.manifestFiles.length) {
    const objects = repo.manifestFiles.flatMap((file) => {
      try {
        return parseManifests(readFileSync(join(repo.root, file), 'utf8'), file);
      } catch (error) {
        if (!(error instanceof ManifestParseError)) throw error;
        renderFailures.push({ object: { kind: 'File', name: file }, source: file, message: error.message });
        return [];
      }
    });
    units.push({ source: 'manifests', objects });
  }

  const input: AuditInput = {
    units,
    dockerfiles: repo.dockerfiles.map((path) => ({ path, text: readFileSync(join(repo.root, path), 'utf8') })),
    code: new Map(repo.sourceFiles.map((path) => [path, readFileSync(join(repo.root, path), 'utf8')])),
  };
  const findings = sortFindings([...renderFailures.map((hit) => toFinding(RENDER_RULE.id, hit)), ...(await runRules(input))]);
  const notes = contradictionNotes();
  if (!repo.dockerfiles.length) notes.push('No Dockerfile found: the Dockerfile rules did not run.');
  if (!repo.sourceFiles.length) notes.push('No JavaScript/TypeScript source under src/: the runtime rules did not run.');
  for (const chart of repo.skipped) notes.push(`Helm chart ${chart} skipped: render it (helm template) into a folder to audit it.`);
  return {
    findings,
    notes,
    summary: {
      errors: findings.filter((finding) => finding.severity === 'error').length,
      warnings: findings.filter((finding) => finding.severity === 'warning').length,
      overlays: repo.kustomizeRoots,
      manifestFiles: repo.manifestFiles.length,
      dockerfiles: repo.dockerfiles,
      sourceFiles: repo.sourceFiles.length,
      ...(kubectl ? { kubectl } : {}),
    },
  };
}
