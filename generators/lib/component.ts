import type { ServiceSpec, TemplateContext } from './spec.js';

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
  packageJson?(context: TemplateContext): PackageJsonContribution;
}
