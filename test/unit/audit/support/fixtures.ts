/**
 * An in-memory service that passes every audit rule: the objects a rendered overlay holds, a
 * Dockerfile and the source the runtime rules read. Each rule test breaks one thing in a fresh
 * copy, so the passing and the failing case differ by exactly what the rule is about.
 */
import type { AuditInput, Obj } from '../../../../audit/model.js';

const labels = { 'app.kubernetes.io/name': 'svc', 'app.kubernetes.io/instance': 'svc' };
const meta = (kind: string, name = 'svc'): Obj => ({ name, namespace: 'team', labels: { ...labels, 'app.kubernetes.io/version': '1.0.0' } });

export function goodObjects(): Obj[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('ServiceAccount'), automountServiceAccountToken: false },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('ConfigMap', 'svc-config-5f7h2k'), data: { 'config.yaml': '# LOG_LEVEL: info\nREADINESS_CHECK_TIMEOUT_MS: 2000\n' } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('Service'),
      spec: { type: 'ClusterIP', selector: { ...labels }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        ...meta('Deployment'),
        // IfNotPresent below: each linter's own exemption, with the reason (rule pull-policy-exemptions).
        annotations: {
          'polaris.fairwinds.com/pullPolicyNotAlways-exempt': 'true',
          'kube-score/ignore': 'container-image-pull-policy',
          'checkov.io/skip1': 'CKV_K8S_15=the image is pinned to an immutable tag',
        },
      },
      spec: {
        selector: { matchLabels: { ...labels } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
        template: {
          metadata: { labels: { ...labels, 'app.kubernetes.io/version': '1.0.0' } },
          spec: {
            serviceAccountName: 'svc',
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'svc',
                image: 'registry.example.com/svc:1.0.0',
                imagePullPolicy: 'IfNotPresent',
                ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
                env: [
                  { name: 'PORT', value: '8080' },
                  { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'svc-database', key: 'url' } } },
                ],
                startupProbe: { httpGet: { path: '/startupz', port: 'http' }, periodSeconds: 2, failureThreshold: 60 },
                livenessProbe: { httpGet: { path: '/livez', port: 'http' }, periodSeconds: 10 },
                readinessProbe: { httpGet: { path: '/readyz', port: 8080 }, periodSeconds: 5 },
                resources: {
                  requests: { cpu: '250m', memory: '256Mi', 'ephemeral-storage': '128Mi' },
                  limits: { cpu: '1', memory: '256Mi', 'ephemeral-storage': '256Mi' },
                },
                securityContext: { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                volumeMounts: [
                  { name: 'tmp', mountPath: '/tmp' },
                  { name: 'config', mountPath: '/etc/svc', readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
              { name: 'config', configMap: { name: 'svc-config-5f7h2k' } },
            ],
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { ...labels } } }],
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { ...labels } } } }],
              },
            },
          },
        },
      },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta('HorizontalPodAutoscaler'),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'svc' },
        minReplicas: 3,
        maxReplicas: 10,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta('PodDisruptionBudget'),
      spec: { maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: { ...labels } } },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('NetworkPolicy'),
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'svc' } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 'http', protocol: 'TCP' }] }],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ port: 53, protocol: 'UDP' }] }],
      },
    },
  ];
}

export const GOOD_DOCKERFILE = `ARG NODE_IMAGE=node:24.1.0-bookworm-slim
FROM \${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts

FROM deps AS build
COPY src ./src
RUN npm run build

FROM \${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts

FROM \${NODE_IMAGE} AS runtime
ENV NODE_ENV=production PORT=8080
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER 10001:10001
CMD ["node", "dist/main.js"]
`;

export function goodCode(): Map<string, string> {
  return new Map([
    [
      'src/main.ts',
      `import { tmpdir } from 'node:os';
import { writeFile } from 'node:fs/promises';
process.on('SIGTERM', () => void shutdown('SIGTERM'));
await writeFile(join(tmpdir(), 'scratch'), '');
await app.listen({ port: config.port, host: config.host });
`,
    ],
    ['src/config.ts', `export const schema = { HOST: Type.String({ default: '0.0.0.0' }) };\n`],
    [
      'src/http/probes.ts',
      `export function registerProbes(app, lifecycle) {
  app.get('/livez', async (_request, reply) => send(reply, lifecycle.liveness()));
  app.get('/readyz', async (_request, reply) => send(reply, await lifecycle.readiness()));
}
`,
    ],
    [
      'src/lifecycle.ts',
      `export class Lifecycle {
  liveness(): ProbeResult {
    if (this.#fatal !== undefined) return { ok: false };
    return { ok: true };
  }
  async readiness() { return Promise.all(this.#checks.map((check) => check.check())); }
}
`,
    ],
  ]);
}

export function inputOf(objects: Obj[], options: { dockerfile?: string; code?: Map<string, string> } = {}): AuditInput {
  return {
    units: [{ source: 'k8s/overlays/prod', objects: objects.map((raw) => ({ raw, source: 'k8s/overlays/prod' })) }],
    dockerfiles: [{ path: 'Dockerfile', text: options.dockerfile ?? GOOD_DOCKERFILE }],
    code: options.code ?? goodCode(),
  };
}

/** Finds an object of the fixture by kind (first one). */
export function byKind(objects: Obj[], kind: string): Obj {
  const found = objects.find((object) => object.kind === kind);
  if (!found) throw new Error(`fixture has no ${kind}`);
  return found;
}
