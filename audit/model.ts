/**
 * The audit's vocabulary: what is audited (manifest units, Dockerfiles, service source), what a
 * rule is, and what a finding looks like. Rules are plain data plus a check function, so the
 * report, the JSON output, the docs and the tests all read the same list.
 */

export type Severity = 'error' | 'warning';

/** The guide's principles; findings are grouped by these, in this order. */
export const PRINCIPLES = [
  'Valid manifests',
  'Supply chain / image',
  'Least privilege',
  'Read-only root filesystem',
  'Predictable resources',
  'Self-healing probes',
  'Scale horizontally',
  'Network isolation',
  'Configuration & secrets',
  'Graceful shutdown',
] as const;
export type Principle = (typeof PRINCIPLES)[number];

/** A Kubernetes object as parsed (YAML 1.1): untyped on purpose, rules check what they read. */
export type Obj = Record<string, any>;

export interface ManifestObject {
  raw: Obj;
  /** The file it came from, or the overlay directory that rendered it. */
  source: string;
}

/** Objects that are applied together: one rendered overlay, or the plain manifests of a repo. */
export interface ManifestUnit {
  source: string;
  objects: ManifestObject[];
}

export interface DockerfileInput {
  path: string;
  text: string;
}

export interface AuditInput {
  units: ManifestUnit[];
  dockerfiles: DockerfileInput[];
  /** Service source files (repo-relative path → text), for the runtime rules; empty to skip them. */
  code: Map<string, string>;
}

export interface ObjectRef {
  kind: string;
  name: string;
  namespace?: string;
}

export interface Hit {
  object: ObjectRef;
  source: string;
  message: string;
  /** Overrides the rule's generic fix when the finding knows better. */
  fix?: string;
}

export interface Rule {
  id: string;
  severity: Severity;
  principle: Principle;
  /** The public checks this rule stands for, e.g. "Polaris livenessProbeMissing, kube-score container-probes". */
  mirrors: string;
  fix: string;
  /** Where the public tools disagree: which side this rule takes and why. Printed as a note. */
  decision?: string;
  check(input: AuditInput): Hit[] | Promise<Hit[]>;
}

export interface Finding {
  rule: string;
  severity: Severity;
  principle: Principle;
  object: ObjectRef;
  source: string;
  message: string;
  fix: string;
}
