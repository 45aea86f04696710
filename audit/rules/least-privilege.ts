/** Least privilege: the process can do nothing it does not need, even when compromised. */
import type { Obj, Rule } from '../model.js';
import { asArray, asObj, namespaceOf, refOf } from '../objects.js';
import { eachContainer, eachWorkload, objectsOfKind } from './helpers.js';

/** A container's effective security setting: the container's own, else the pod's. */
function effective(container: Obj, podSpec: Obj, key: string): unknown {
  const own = asObj(container.securityContext)[key];
  return own !== undefined ? own : asObj(podSpec.securityContext)[key];
}

export const MIN_ID = 10000;

export const leastPrivilegeRules: Rule[] = [
  {
    id: 'run-as-non-root',
    severity: 'error',
    principle: 'Least privilege',
    mirrors: 'Polaris runAsRootAllowed, kube-linter run-as-non-root, Pod Security restricted',
    fix: 'set securityContext.runAsNonRoot: true (pod or container)',
    check: (input) =>
      eachContainer(input, ({ container }, { podSpec }) => (effective(container, podSpec, 'runAsNonRoot') === true ? undefined : 'runAsNonRoot is not true')),
  },
  {
    id: 'run-as-high-uid-gid',
    severity: 'error',
    principle: 'Least privilege',
    mirrors: 'kube-score container-security-context-user-group-id',
    fix: `set securityContext.runAsUser and runAsGroup to numeric ids >= ${MIN_ID} (not shared with host users)`,
    check: (input) =>
      eachContainer(input, ({ container }, { podSpec }) => {
        const problems: string[] = [];
        for (const key of ['runAsUser', 'runAsGroup']) {
          const value = effective(container, podSpec, key);
          if (typeof value !== 'number') problems.push(`${key} is not set`);
          else if (value < MIN_ID) problems.push(`${key} ${value} is below ${MIN_ID}`);
        }
        return problems.length ? problems.join('; ') : undefined;
      }),
  },
  {
    id: 'no-privilege-escalation',
    severity: 'error',
    principle: 'Least privilege',
    mirrors: 'Polaris privilegeEscalationAllowed, kube-linter privilege-escalation-container',
    fix: 'set securityContext.allowPrivilegeEscalation: false on every container',
    check: (input) =>
      eachContainer(input, ({ container }) => (asObj(container.securityContext).allowPrivilegeEscalation === false ? undefined : 'allowPrivilegeEscalation is not false')),
  },
  {
    id: 'not-privileged',
    severity: 'error',
    principle: 'Least privilege',
    mirrors: 'Polaris runAsPrivileged, kube-score container-security-context-privileged, kube-linter privileged-container',
    fix: 'remove securityContext.privileged (or set it to false)',
    check: (input) => eachContainer(input, ({ container }) => (asObj(container.securityContext).privileged === true ? 'runs privileged' : undefined)),
  },
  {
    id: 'capabilities-drop-all',
    severity: 'error',
    principle: 'Least privilege',
    mirrors: 'Polaris insecureCapabilities/dangerousCapabilities, kube-linter drop-net-raw-capability, Pod Security restricted',
    fix: 'set securityContext.capabilities.drop: [ALL] and add nothing (NET_BIND_SERVICE at most)',
    check: (input) =>
      eachContainer(input, ({ container }) => {
        const capabilities = asObj(asObj(container.securityContext).capabilities);
        const drop = Array.isArray(capabilities.drop) ? capabilities.drop.map(String) : [];
        const add = (Array.isArray(capabilities.add) ? capabilities.add.map(String) : []).filter((cap) => cap !== 'NET_BIND_SERVICE');
        if (!drop.includes('ALL')) return 'capabilities.drop does not include ALL';
        if (add.length) return `adds capabilities ${add.join(', ')}`;
        return undefined;
      }),
  },
  {
    id: 'seccomp-runtime-default',
    severity: 'error',
    principle: 'Least privilege',
    mirrors: 'kube-score container-seccomp-profile, Polaris linuxHardening, Pod Security restricted',
    fix: 'set securityContext.seccompProfile.type: RuntimeDefault (pod or container)',
    check: (input) =>
      eachContainer(input, ({ container }, { podSpec }) => {
        const type = asObj(effective(container, podSpec, 'seccompProfile')).type;
        return type === 'RuntimeDefault' || type === 'Localhost' ? undefined : `seccompProfile is ${type === undefined ? 'not set' : String(type)}`;
      }),
  },
  {
    id: 'no-host-namespaces',
    severity: 'error',
    principle: 'Least privilege',
    mirrors: 'Polaris hostNetworkSet/hostPIDSet/hostIPCSet, kube-linter host-network/host-pid/host-ipc',
    fix: 'remove hostNetwork, hostPID and hostIPC from the pod spec',
    check: (input) =>
      eachWorkload(input, ({ podSpec }) =>
        ['hostNetwork', 'hostPID', 'hostIPC'].filter((key) => podSpec[key] === true).map((key) => ({ message: `${key} is true` })),
      ),
  },
  {
    id: 'no-host-ports',
    severity: 'error',
    principle: 'Least privilege',
    mirrors: 'Polaris hostPortSet, kube-linter host-port',
    fix: 'remove hostPort; expose the port through a Service',
    check: (input) =>
      eachContainer(input, ({ container }) => {
        const ports = asArray(container.ports).filter((port) => port.hostPort !== undefined && port.hostPort !== 0);
        return ports.length ? `hostPort ${ports.map((port) => String(port.hostPort)).join(', ')}` : undefined;
      }),
  },
  {
    id: 'no-host-path',
    severity: 'error',
    principle: 'Least privilege',
    mirrors: 'Polaris hostPathSet, kube-linter sensitive-host-mounts/docker-sock',
    fix: 'use an emptyDir, a ConfigMap/Secret or a PersistentVolumeClaim instead of hostPath',
    check: (input) =>
      eachWorkload(input, ({ podSpec }) =>
        asArray(podSpec.volumes)
          .filter((volume) => volume.hostPath !== undefined)
          .map((volume) => ({ message: `volume '${String(volume.name)}' mounts the host path ${String(asObj(volume.hostPath).path)}` })),
      ),
  },
  {
    id: 'service-account-exists',
    severity: 'error',
    principle: 'Least privilege',
    mirrors: 'kube-linter non-existent-service-account, kube-linter deprecated-service-account-field',
    fix: 'give the pods a dedicated ServiceAccount (serviceAccountName) and ship that ServiceAccount with the manifests',
    check: (input) =>
      eachWorkload(input, ({ podSpec, raw }, unit) => {
        if (podSpec.serviceAccount !== undefined && podSpec.serviceAccountName === undefined) {
          return [{ message: 'uses the deprecated serviceAccount field', fix: 'rename serviceAccount to serviceAccountName' }];
        }
        const name = podSpec.serviceAccountName;
        if (typeof name !== 'string' || name === '' || name === 'default') return [{ message: "runs as the namespace's default ServiceAccount" }];
        const exists = objectsOfKind(unit, 'ServiceAccount').some((account) => refOf(account.raw).name === name && namespaceOf(account.raw) === namespaceOf(raw));
        return exists ? [] : [{ message: `ServiceAccount '${name}' is not among the manifests` }];
      }),
  },
  {
    id: 'service-account-token-off',
    severity: 'error',
    principle: 'Least privilege',
    mirrors: 'Polaris automountServiceAccountToken, CIS 5.1.6',
    fix: 'set automountServiceAccountToken: false on the pod spec (and the ServiceAccount) unless the service calls the Kubernetes API',
    check: (input) =>
      eachWorkload(input, ({ podSpec, raw }, unit) => {
        if (podSpec.automountServiceAccountToken === false) return [];
        if (podSpec.automountServiceAccountToken === undefined) {
          const name = typeof podSpec.serviceAccountName === 'string' ? podSpec.serviceAccountName : 'default';
          const account = objectsOfKind(unit, 'ServiceAccount').find((candidate) => refOf(candidate.raw).name === name && namespaceOf(candidate.raw) === namespaceOf(raw));
          if (account?.raw.automountServiceAccountToken === false) return [];
        }
        return [{ message: 'mounts a Kubernetes API token into the pods' }];
      }),
  },
];
