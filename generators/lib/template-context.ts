/**
 * What templates see: the names derived from the spec (spec-context.ts) and the facts merged from
 * the contributions of the components the spec includes (documentation.ts). The components are
 * an argument: this module knows no component.
 */
import type { Component } from './component.js';
import { documentationFor, type DocumentationContext } from './documentation.js';
import { specContextFor, type SpecContext } from './spec-context.js';
import type { ServiceSpec } from './spec.js';

export { camelCase, pascalCase, pluralOf, resourceNamesFor, snakeCase, specContextFor, type ResourceNames, type SpecContext } from './spec-context.js';

export type TemplateContext = SpecContext & DocumentationContext;

/** `components`: every component there is (generators/lib/components.ts); those the spec includes contribute. */
export function templateContextFor(spec: ServiceSpec, generatorVersion: string, components: readonly Component[]): TemplateContext {
  const names = specContextFor(spec, generatorVersion);
  return { ...names, ...documentationFor(names, components.filter((component) => component.includedIn(spec))) };
}
