import type { Component } from '../lib/component.js';

/**
 * Kustomize manifests: k8s/base (Deployment, Service, HPA, PDB, NetworkPolicy, ServiceAccount,
 * generated ConfigMap) and the dev and prod overlays.
 */
export const component: Component = {
  id: 'kubernetes',
  includedIn: () => true,
  templateDirs: () => ['kubernetes'],
};
