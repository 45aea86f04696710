/**
 * Rendering Kustomize overlays with kubectl's built-in kustomize. Which kubectl, in order:
 * $MICROFORGE_KUBECTL → `kubectl` on PATH → the one scripts/fetch-kubectl.sh unpacked into
 * this package's .cache/kube-tools (or $KUBE_TOOLS_DIR). The audit never downloads anything.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { PACKAGE_ROOT } from '../generators/lib/package-root.js';
import { UsageError } from '../generators/lib/usage-error.js';

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export function findKubectl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env.MICROFORGE_KUBECTL;
  if (explicit) {
    if (!executable(explicit)) throw new UsageError(`MICROFORGE_KUBECTL=${explicit} is not an executable file`);
    return explicit;
  }
  for (const directory of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(directory, 'kubectl');
    if (executable(candidate)) return candidate;
  }
  const toolsDir = env.KUBE_TOOLS_DIR ?? join(PACKAGE_ROOT, '.cache', 'kube-tools');
  if (existsSync(toolsDir)) {
    for (const version of readdirSync(toolsDir).sort().reverse()) {
      const candidate = join(toolsDir, version, 'kubectl');
      if (executable(candidate)) return candidate;
    }
  }
  return undefined;
}

export class RenderError extends Error {}

/** `kubectl kustomize DIR` → the rendered YAML stream. */
export function renderKustomization(kubectl: string, directory: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(kubectl, ['kustomize', directory], { maxBuffer: 64 * 1024 * 1024, timeout: 120_000, env: { ...process.env, KUBECONFIG: '/dev/null' } }, (error, stdout, stderr) => {
      if (error) {
        const detail = (stderr || error.message).trim().split('\n').filter(Boolean).pop() ?? error.message;
        reject(new RenderError(detail.replace(/^Error:\s*/, '')));
      } else resolve(stdout);
    });
  });
}
