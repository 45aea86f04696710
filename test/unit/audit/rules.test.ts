/**
 * One failing and one passing case per rule: the passing case is the fixture service (which
 * passes every rule), the failing case breaks exactly one thing in a fresh copy of it. A rule
 * without a case here fails the last test, so a new rule cannot ship untested.
 */
import { describe, expect, it } from '@jest/globals';
import { runRules } from '../../../audit/audit.js';
import type { Obj } from '../../../audit/model.js';
import { RULES, ruleById } from '../../../audit/rules/index.js';
import { parseManifests } from '../../../audit/yaml.js';
import { byKind, GOOD_DOCKERFILE, goodCode, goodObjects, inputOf } from './support/fixtures.js';

type Breaker = { objects: (objects: Obj[]) => void } | { dockerfile: (text: string) => string } | { code: (code: Map<string, string>) => void };

const deployment = (objects: Obj[]): Obj => byKind(objects, 'Deployment');
const pod = (objects: Obj[]): Obj => deployment(objects).spec.template.spec;
const container = (objects: Obj[]): Obj => pod(objects).containers[0];
const securityContext = (objects: Obj[]): Obj => container(objects).securityContext;
/** A nightly CronJob running the fixture's pod, bounded as the rules want; breakers then loosen it. */
const cronJob = (objects: Obj[], spec: Obj = {}): Obj => {
  const job = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'svc-backup' },
    spec: { schedule: '17 2 * * *', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 3600, ...spec, jobTemplate: { spec: { template: structuredClone(deployment(objects).spec.template) } } },
  };
  objects.push(job);
  return job;
};
/** The Prometheus Operator objects of k8s/components/monitoring, for the fixture service. */
const monitoring = (objects: Obj[]): { serviceMonitor: Obj; prometheusRule: Obj } => {
  const metadata = { name: 'svc', namespace: 'team', labels: { 'app.kubernetes.io/name': 'svc' } };
  const serviceMonitor = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata,
    spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'svc', 'app.kubernetes.io/instance': 'svc' } }, endpoints: [{ port: 'http', path: '/metrics' }] },
  };
  const prometheusRule = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata,
    spec: { groups: [{ name: 'svc.rules', rules: [{ alert: 'SvcDown', expr: 'up{job="svc"} == 0', for: '5m', labels: { severity: 'critical' } }] }] },
  };
  objects.push(serviceMonitor, prometheusRule);
  return { serviceMonitor, prometheusRule };
};
const remove = (objects: Obj[], kind: string): void => {
  objects.splice(objects.indexOf(byKind(objects, kind)), 1);
};

const CASES: Array<[rule: string, what: string, breaker: Breaker]> = [
  ['schema-unknown-field', 'imagePullPolcy typo', { objects: (o) => (container(o).imagePullPolcy = 'Always') }],
  ['schema-unknown-field', 'spec.replica typo', { objects: (o) => (deployment(o).spec.replica = 3) }],
  ['schema-invalid', 'enum value out of range', { objects: (o) => (container(o).imagePullPolicy = 'Sometimes') }],
  ['schema-invalid', 'YAML 1.1 boolean where a string belongs', { objects: (o) => (container(o).env[0].value = parseManifests('v: yes', 'x')[0]?.raw.v) }],
  ['schema-invalid', 'required field missing', { objects: (o) => delete container(o).name }],
  ['schema-unknown-kind', 'removed API version', { objects: (o) => (deployment(o).apiVersion = 'extensions/v1beta1') }],
  ['servicemonitor-selects-service', 'selector matches no Service', { objects: (o) => (monitoring(o).serviceMonitor.spec.selector.matchLabels['app.kubernetes.io/name'] = 'other') }],
  ['servicemonitor-selects-service', 'port name the Service lacks', { objects: (o) => (monitoring(o).serviceMonitor.spec.endpoints[0].port = 'metrics') }],
  ['prometheusrule-valid', 'alert without expr', { objects: (o) => delete monitoring(o).prometheusRule.spec.groups[0].rules[0].expr }],
  ['prometheusrule-valid', 'bad for duration', { objects: (o) => (monitoring(o).prometheusRule.spec.groups[0].rules[0].for = 'five minutes') }],
  ['prometheusrule-valid', 'alert without severity', { objects: (o) => delete monitoring(o).prometheusRule.spec.groups[0].rules[0].labels }],
  ['label-values', 'label value with a space', { objects: (o) => (deployment(o).metadata.labels.team = 'core team') }],
  ['selector-matches-template', 'selector label the pods lack', { objects: (o) => (deployment(o).spec.selector.matchLabels.tier = 'web') }],
  ['image-tag-pinned', 'latest tag', { objects: (o) => (container(o).image = 'registry.example.com/svc:latest') }],
  ['image-tag-pinned', 'no tag', { objects: (o) => (container(o).image = 'registry.example.com:5000/svc') }],
  ['image-pull-policy', 'policy unset', { objects: (o) => delete container(o).imagePullPolicy }],
  ['image-pull-policy', 'Never', { objects: (o) => (container(o).imagePullPolicy = 'Never') }],
  ['pull-policy-exemptions', 'no Checkov skip', { objects: (o) => delete deployment(o).metadata.annotations['checkov.io/skip1'] }],
  ['pull-policy-exemptions', 'a Checkov skip without a reason', { objects: (o) => (deployment(o).metadata.annotations['checkov.io/skip1'] = 'CKV_K8S_15=') }],
  ['pull-policy-exemptions', 'no Polaris exemption', { objects: (o) => delete deployment(o).metadata.annotations['polaris.fairwinds.com/pullPolicyNotAlways-exempt'] }],
  ['pull-policy-exemptions', 'kube-score ignores something else', { objects: (o) => (deployment(o).metadata.annotations['kube-score/ignore'] = 'pod-probes') }],
  ['networkpolicy-single-label-selector', 'two labels in the podSelector', { objects: (o) => (byKind(o, 'NetworkPolicy').spec.podSelector.matchLabels['app.kubernetes.io/instance'] = 'svc') }],
  ['instance-label-is-name', 'instance label of another object', { objects: (o) => (deployment(o).metadata.labels['app.kubernetes.io/instance'] = 'other') }],
  ['run-as-non-root', 'runAsNonRoot false on the container', { objects: (o) => (securityContext(o).runAsNonRoot = false) }],
  ['run-as-high-uid-gid', 'uid 1000', { objects: (o) => (pod(o).securityContext.runAsUser = 1000) }],
  ['no-privilege-escalation', 'allowPrivilegeEscalation unset', { objects: (o) => delete securityContext(o).allowPrivilegeEscalation }],
  ['not-privileged', 'privileged', { objects: (o) => (securityContext(o).privileged = true) }],
  ['capabilities-drop-all', 'drops only NET_RAW', { objects: (o) => (securityContext(o).capabilities = { drop: ['NET_RAW'] }) }],
  ['capabilities-drop-all', 'adds SYS_ADMIN', { objects: (o) => (securityContext(o).capabilities.add = ['SYS_ADMIN']) }],
  ['seccomp-runtime-default', 'Unconfined', { objects: (o) => (pod(o).securityContext.seccompProfile = { type: 'Unconfined' }) }],
  ['no-host-namespaces', 'hostNetwork', { objects: (o) => (pod(o).hostNetwork = true) }],
  ['no-host-ports', 'hostPort', { objects: (o) => (container(o).ports[0].hostPort = 8080) }],
  ['no-host-path', 'hostPath volume', { objects: (o) => pod(o).volumes.push({ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }) }],
  ['service-account-exists', 'ServiceAccount missing', { objects: (o) => remove(o, 'ServiceAccount') }],
  ['service-account-exists', 'default ServiceAccount', { objects: (o) => delete pod(o).serviceAccountName }],
  ['service-account-token-off', 'token mounted', { objects: (o) => ((pod(o).automountServiceAccountToken = true), (byKind(o, 'ServiceAccount').automountServiceAccountToken = true)) }],
  ['read-only-root-filesystem', 'writable root', { objects: (o) => (securityContext(o).readOnlyRootFilesystem = false) }],
  ['writable-tmp', 'no /tmp mount', { objects: (o) => container(o).volumeMounts.shift() }],
  ['writable-tmp', '/tmp from a ConfigMap', { objects: (o) => (container(o).volumeMounts[0].name = 'config') }],
  ['resources-cpu', 'no CPU limit', { objects: (o) => delete container(o).resources.limits.cpu }],
  ['resources-memory', 'no memory request', { objects: (o) => delete container(o).resources.requests.memory }],
  ['resources-ephemeral-storage', 'no ephemeral-storage', { objects: (o) => delete container(o).resources.limits['ephemeral-storage'] }],
  ['cronjob-no-overlap', 'concurrencyPolicy unset', { objects: (o) => delete cronJob(o).spec.concurrencyPolicy }],
  ['cronjob-no-overlap', 'concurrencyPolicy Allow', { objects: (o) => cronJob(o, { concurrencyPolicy: 'Allow' }) }],
  ['cronjob-starting-deadline', 'no startingDeadlineSeconds', { objects: (o) => delete cronJob(o).spec.startingDeadlineSeconds }],
  ['probes-present', 'no readiness probe', { objects: (o) => delete container(o).readinessProbe }],
  ['probes-distinct', 'liveness = readiness', { objects: (o) => (container(o).readinessProbe = { ...container(o).livenessProbe }) }],
  ['probe-port-declared', 'probe on an undeclared port name', { objects: (o) => (container(o).livenessProbe.httpGet.port = 'metrics') }],
  ['probe-port-declared', 'probe on an undeclared port number', { objects: (o) => (container(o).readinessProbe.httpGet.port = 9090) }],
  ['pdb-present', 'no PDB', { objects: (o) => remove(o, 'PodDisruptionBudget') }],
  ['pdb-allows-eviction', 'maxUnavailable 0', { objects: (o) => (byKind(o, 'PodDisruptionBudget').spec.maxUnavailable = 0) }],
  ['pdb-allows-eviction', 'minAvailable = HPA minReplicas', { objects: (o) => (delete byKind(o, 'PodDisruptionBudget').spec.maxUnavailable, (byKind(o, 'PodDisruptionBudget').spec.minAvailable = 3)) }],
  ['pdb-allows-eviction', 'minAvailable 100%', { objects: (o) => (delete byKind(o, 'PodDisruptionBudget').spec.maxUnavailable, (byKind(o, 'PodDisruptionBudget').spec.minAvailable = '100%')) }],
  ['pdb-unhealthy-eviction-policy', 'policy unset', { objects: (o) => delete byKind(o, 'PodDisruptionBudget').spec.unhealthyPodEvictionPolicy }],
  ['hpa-target-exists', 'targets a missing Deployment', { objects: (o) => (byKind(o, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name = 'other') }],
  ['hpa-min-replicas', 'minReplicas 1', { objects: (o) => (byKind(o, 'HorizontalPodAutoscaler').spec.minReplicas = 1) }],
  ['replicas-owned-by-hpa', 'replicas with an HPA', { objects: (o) => (deployment(o).spec.replicas = 3) }],
  ['replicas-owned-by-hpa', 'one replica without an HPA', { objects: (o) => remove(o, 'HorizontalPodAutoscaler') }],
  ['topology-spread', 'no constraints', { objects: (o) => delete pod(o).topologySpreadConstraints }],
  ['host-anti-affinity', 'zone anti-affinity only', { objects: (o) => (pod(o).affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey = 'topology.kubernetes.io/zone') }],
  ['networkpolicy-covers-pods', 'no NetworkPolicy', { objects: (o) => remove(o, 'NetworkPolicy') }],
  ['networkpolicy-covers-pods', 'ingress only', { objects: (o) => ((byKind(o, 'NetworkPolicy').spec.policyTypes = ['Ingress']), delete byKind(o, 'NetworkPolicy').spec.egress) }],
  ['networkpolicy-targets-pods', 'selects other pods', { objects: (o) => (byKind(o, 'NetworkPolicy').spec.podSelector.matchLabels['app.kubernetes.io/name'] = 'other') }],
  ['service-targets-pods', 'selector typo', { objects: (o) => (byKind(o, 'Service').spec.selector['app.kubernetes.io/name'] = 'svcc') }],
  ['service-target-port', 'targetPort name not declared', { objects: (o) => (byKind(o, 'Service').spec.ports[0].targetPort = 'web') }],
  ['no-literal-secret-env', 'password literal', { objects: (o) => container(o).env.push({ name: 'DB_PASSWORD', value: 'hunter2' }) }],
  ['no-literal-secret-env', 'URL with a password', { objects: (o) => container(o).env.push({ name: 'UPSTREAM', value: 'postgres://app:s3cret@db:5432/app' }) }],
  ['no-secret-in-configmap', 'secret-looking key', { objects: (o) => (byKind(o, 'ConfigMap').data.API_KEY = 'abc123') }],
  ['no-secret-in-configmap', 'secret setting inside a config file', { objects: (o) => (byKind(o, 'ConfigMap').data['config.yaml'] += 'DATABASE_PASSWORD: hunter2\n') }],
  ['docker-base-image-pinned', 'latest base', { dockerfile: (d) => d.replace('node:24.1.0-bookworm-slim', 'node:latest') }],
  ['docker-base-image-pinned', 'untagged base', { dockerfile: (d) => d.replace('node:24.1.0-bookworm-slim', 'node') }],
  ['docker-workdir-absolute', 'relative WORKDIR', { dockerfile: (d) => d.replace('WORKDIR /app\nCOPY --from', 'WORKDIR app\nCOPY --from') }],
  ['docker-copy-not-add', 'ADD', { dockerfile: (d) => d.replace('COPY src ./src', 'ADD src ./src') }],
  ['docker-exec-form-node', 'shell-form CMD', { dockerfile: (d) => d.replace('CMD ["node", "dist/main.js"]', 'CMD node dist/main.js') }],
  ['docker-exec-form-node', 'npm start', { dockerfile: (d) => d.replace('CMD ["node", "dist/main.js"]', 'CMD ["npm", "start"]') }],
  ['docker-user-nonroot', 'no USER', { dockerfile: (d) => d.replace('USER 10001:10001\n', '') }],
  ['docker-user-nonroot', 'named user', { dockerfile: (d) => d.replace('USER 10001:10001', 'USER node') }],
  ['docker-npm-ci-lockfile', 'npm install', { dockerfile: (d) => d.replace('RUN npm ci --ignore-scripts\n', 'RUN npm install\n') }],
  ['docker-npm-ci-lockfile', 'npm ci without the lockfile', { dockerfile: (d) => d.replace('COPY package.json package-lock.json ./\nRUN npm ci --omit', 'COPY package.json ./\nRUN npm ci --omit') }],
  ['docker-no-dev-dependencies', 'node_modules from the dev install', { dockerfile: (d) => d.replace('COPY --from=prod-deps /app/node_modules', 'COPY --from=deps /app/node_modules') }],
  ['docker-no-dev-dependencies', 'final stage built on the dev install', { dockerfile: (d) => d.replace('FROM ${NODE_IMAGE} AS runtime', 'FROM deps AS runtime') }],
  ['docker-no-secrets', 'ENV with a token', { dockerfile: (d) => d.replace('ENV NODE_ENV=production', 'ENV NPM_TOKEN=abc NODE_ENV=production') }],
  ['docker-no-secrets', 'ARG password', { dockerfile: (d) => d.replace('ARG NODE_IMAGE', 'ARG DB_PASSWORD\nARG NODE_IMAGE') }],
  ['runtime-writes-tmp-only', 'writes to ./data', { code: (c) => c.set('src/store.ts', "await writeFile('./data/items.json', body);\n") }],
  ['runtime-writes-tmp-only', 'mkdir under /var', { code: (c) => c.set('src/store.ts', "mkdirSync('/var/lib/svc', { recursive: true });\n") }],
  ['runtime-listen-all-interfaces', 'loopback', { code: (c) => c.set('src/main.ts', "await app.listen({ port: 8080, host: '127.0.0.1' });\nprocess.on('SIGTERM', stop);\n") }],
  ['runtime-listen-all-interfaces', 'fastify without host', { code: (c) => c.set('src/main.ts', "await app.listen({ port: 8080 });\nprocess.on('SIGTERM', stop);\n") }],
  ['runtime-sigterm-handled', 'no handler', { code: (c) => c.set('src/main.ts', "await app.listen({ port: 8080, host: '0.0.0.0' });\n") }],
  ['runtime-liveness-no-dependencies', 'liveness queries the database', { code: (c) => c.set('src/http/probes.ts', "app.get('/livez', async () => { await pool.query('select 1'); return 'ok'; });\n") }],
  ['runtime-liveness-no-dependencies', 'liveness calls readiness', { code: (c) => c.set('src/lifecycle.ts', 'export class Lifecycle {\n  liveness() { return this.readiness(); }\n}\n') }],
];

function inputFor(breaker?: Breaker) {
  const objects = goodObjects();
  let dockerfile = GOOD_DOCKERFILE;
  const code = goodCode();
  if (breaker && 'objects' in breaker) breaker.objects(objects);
  if (breaker && 'dockerfile' in breaker) dockerfile = breaker.dockerfile(dockerfile);
  if (breaker && 'code' in breaker) breaker.code(code);
  return inputOf(objects, { dockerfile, code });
}

describe('audit rules', () => {
  it('the fixture service passes every rule', async () => {
    expect(await runRules(inputFor())).toEqual([]);
  });

  it('the Prometheus Operator objects of the monitoring component pass every rule, unreported as unvalidated kinds', async () => {
    const objects = goodObjects();
    monitoring(objects);
    expect(await runRules(inputOf(objects))).toEqual([]);
  });

  it('a bounded CronJob passes the CronJob rules', async () => {
    const objects = goodObjects();
    cronJob(objects);
    expect(await runRules(inputOf(objects), [ruleById('cronjob-no-overlap'), ruleById('cronjob-starting-deadline')])).toEqual([]);
  });

  it.each(CASES)('%s fails on: %s', async (ruleId, _what, breaker) => {
    const rule = ruleById(ruleId);
    const failing = await runRules(inputFor(breaker), [rule]);
    expect(failing.length).toBeGreaterThan(0);
    for (const finding of failing) {
      expect(finding).toMatchObject({ rule: ruleId, severity: rule.severity, principle: rule.principle });
      expect(finding.message).not.toBe('');
      expect(finding.fix).not.toBe('');
    }
    expect(await runRules(inputFor(), [rule])).toEqual([]);
  });

  it('every rule has a failing case (except manifests-render, tested on the CLI)', () => {
    const covered = new Set(CASES.map(([rule]) => rule));
    const missing = RULES.map((rule) => rule.id).filter((id) => id !== 'manifests-render' && !covered.has(id));
    expect(missing).toEqual([]);
  });

  it('rule ids are unique and every rule names the public check it mirrors', () => {
    const ids = RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of RULES) expect(rule.mirrors.length).toBeGreaterThan(3);
  });
});
