/** Read-only root filesystem: the image cannot be changed at run time; scratch space is explicit. */
import type { Rule } from '../model.js';
import { asArray, asObj } from '../objects.js';
import { eachContainer } from './helpers.js';

export const filesystemRules: Rule[] = [
  {
    id: 'read-only-root-filesystem',
    severity: 'error',
    principle: 'Read-only root filesystem',
    mirrors: 'Polaris notReadOnlyRootFilesystem, kube-score container-security-context-readonlyrootfilesystem, kube-linter no-read-only-root-fs',
    fix: 'set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the process must write',
    check: (input) =>
      eachContainer(input, ({ container }) => (asObj(container.securityContext).readOnlyRootFilesystem === true ? undefined : 'readOnlyRootFilesystem is not true')),
  },
  {
    id: 'writable-tmp',
    severity: 'error',
    principle: 'Read-only root filesystem',
    mirrors: 'guide (no public default; Node, npm and many libraries write to /tmp)',
    fix: 'mount an emptyDir volume (with a sizeLimit) at /tmp',
    check: (input) =>
      eachContainer(
        input,
        ({ container }, { podSpec }) => {
          if (asObj(container.securityContext).readOnlyRootFilesystem !== true) return undefined;
          const mount = asArray(container.volumeMounts).find((candidate) => String(candidate.mountPath).replace(/\/+$/, '') === '/tmp');
          if (!mount) return 'the root filesystem is read-only and nothing writable is mounted at /tmp';
          if (mount.readOnly === true) return 'the /tmp mount is read-only';
          const volume = asArray(podSpec.volumes).find((candidate) => candidate.name === mount.name);
          if (!volume || volume.emptyDir === undefined) return `/tmp is mounted from '${String(mount.name)}', which is not an emptyDir`;
          return undefined;
        },
        { longRunningOnly: true },
      ),
  },
];
