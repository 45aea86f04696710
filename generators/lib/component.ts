import type { BackingService, DeploymentEnvVar } from './backing-service.js';
import type { ServiceSetting, SettingsContext } from './service-settings.js';
import type { SpecContext } from './spec-context.js';
import type { ChoiceKey, ServiceSpec } from './spec.js';

/** Data a component adds to the generated package.json; merged structurally, never templated whole. */
export interface PackageJsonContribution {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
}

/**
 * One part of a generated repo. The id is the folder under templates/ and the word after
 * `microforge add`. A component never edits another component's files: it renders its own
 * template folders and contributes data to the shared structured files.
 */
export interface Component {
  id: string;
  /** Whether the spec includes this component at all. */
  includedIn(spec: ServiceSpec): boolean;
  /** Template folders, relative to templates/, rendered in order (later ones may not repeat a path). */
  templateDirs(spec: ServiceSpec): string[];
  /** Template folders rendered once per added resource, with that resource's context (resource-context.ts). */
  resourceTemplateDirs?(spec: ServiceSpec): string[];
  packageJson?(context: SpecContext): PackageJsonContribution;
  /**
   * Path prefixes of files the user owns once they exist (the example domain, its tests,
   * migrations): created once, updated only while unchanged, never overwritten.
   */
  userOwnedPaths?(context: SpecContext): string[];
  /**
   * The settings this component's code reads, in the order the config schema and the README table
   * list them (generators/lib/service-settings.ts says what a declaration holds).
   */
  settings?(context: SettingsContext): ServiceSetting[];
  /** Servers this component's code connects to; shared files (egress, .env.development, compose up) loop over them. */
  backingServices?(context: SettingsContext): BackingService[];
  /** Variables the Deployment's container sets beyond the ConfigMap (credentials from Secrets, production overrides). */
  deploymentEnv?(context: SettingsContext): DeploymentEnvVar[];
  /** Present when `microforge add <id>` can add this component to an existing repo. */
  addable?: AddableComponent;
}

export interface AddableComponent {
  /** The choices `add <id>` sets; their flags are what `add <id>` accepts. */
  choices: readonly ChoiceKey[];
  /** Whether a repo with this spec already has the component. */
  presentIn(spec: ServiceSpec): boolean;
  /** Choices `add <id>` uses for what its flags leave open. */
  whenAdded: Partial<ServiceSpec>;
}
