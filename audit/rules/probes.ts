/** Self-healing probes: Kubernetes restarts what is stuck and routes only to what is ready. */
import type { Obj, Rule } from '../model.js';
import { asArray, asObj, deepEqual } from '../objects.js';
import { eachContainer } from './helpers.js';

const PROBES = ['startupProbe', 'livenessProbe', 'readinessProbe'] as const;

export const probeRules: Rule[] = [
  {
    id: 'probes-present',
    severity: 'error',
    principle: 'Self-healing probes',
    mirrors: 'Polaris livenessProbeMissing/readinessProbeMissing, kube-score container-probes (pod-probes)',
    fix: 'add a livenessProbe (process health only) and a readinessProbe (ready to serve) to every serving container',
    check: (input) =>
      eachContainer(
        input,
        ({ container }) => {
          const missing = ['livenessProbe', 'readinessProbe'].filter((probe) => container[probe] === undefined);
          return missing.length ? `no ${missing.join(' and no ')}` : undefined;
        },
        { serving: true, longRunningOnly: true },
      ),
  },
  {
    id: 'probes-distinct',
    severity: 'error',
    principle: 'Self-healing probes',
    mirrors: 'kube-score container-probes-identical (pod-probes)',
    fix: 'point liveness at process health (e.g. /livez) and readiness at ability to serve (e.g. /readyz)',
    check: (input) =>
      eachContainer(
        input,
        ({ container }) => {
          const liveness = asObj(container.livenessProbe);
          const readiness = asObj(container.readinessProbe);
          if (!container.livenessProbe || !container.readinessProbe) return undefined;
          const handler = (probe: Obj): Obj => ({ httpGet: probe.httpGet, tcpSocket: probe.tcpSocket, exec: probe.exec, grpc: probe.grpc });
          return deepEqual(handler(liveness), handler(readiness))
            ? 'livenessProbe and readinessProbe check the same thing: a dependency outage would restart every pod instead of taking it out of the Service'
            : undefined;
        },
        { serving: true, longRunningOnly: true },
      ),
  },
  {
    id: 'probe-port-declared',
    severity: 'error',
    principle: 'Self-healing probes',
    mirrors: 'kube-linter liveness-port/readiness-port/startup-port',
    fix: 'probe a port the container declares in ports (by name or number)',
    check: (input) =>
      eachContainer(
        input,
        ({ container }) => {
          const ports = asArray(container.ports);
          const problems: string[] = [];
          for (const probe of PROBES) {
            const spec = asObj(container[probe]);
            const action = asObj(spec.httpGet ?? spec.tcpSocket ?? spec.grpc);
            const port: unknown = action.port;
            if (port === undefined) continue;
            const declared = typeof port === 'number' ? ports.some((candidate) => candidate.containerPort === port) : ports.some((candidate) => candidate.name === port);
            if (!declared) problems.push(`${probe} uses port ${String(port)}, which the container does not declare`);
          }
          return problems.length ? problems.join('; ') : undefined;
        },
        { longRunningOnly: true },
      ),
  },
];
