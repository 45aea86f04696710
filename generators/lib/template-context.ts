import pluralize from 'pluralize';
import type { ServiceSpec } from './spec.js';
import { GENERATED_SERVICE_RUNTIME } from './service-runtime.js';

/**
 * What templates see: the spec, every derived name and a boolean per choice value, so templates
 * never compare strings or re-derive a name.
 */
export interface TemplateContext extends Readonly<ServiceSpec> {
  nameSnake: string;
  namePascal: string;
  resourcePlural: string;
  resourcePascal: string;
  resourcePluralPascal: string;
  resourceCamel: string;
  resourcePluralCamel: string;
  resourceSnake: string;
  resourcePluralSnake: string;
  storagePostgres: boolean;
  storageNone: boolean;
  messagingAny: boolean;
  messagingAtLeastOnce: boolean;
  messagingAtMostOnce: boolean;
  brokerRabbitmq: boolean;
  brokerNats: boolean;
  cacheAny: boolean;
  cacheMemory: boolean;
  cacheRedis: boolean;
  port: number;
  uid: number;
  nodeVersion: string;
  nodeImage: string;
  nodeEngines: string;
  generatorVersion: string;
}

const words = (kebab: string): string[] => kebab.split('-');
const capitalise = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);
export const pascalCase = (kebab: string): string => words(kebab).map(capitalise).join('');
export const camelCase = (kebab: string): string => {
  const pascal = pascalCase(kebab);
  return pascal.charAt(0).toLowerCase() + pascal.slice(1);
};
export const snakeCase = (kebab: string): string => words(kebab).join('_');

/** Pluralises the last word only, so `order-line` becomes `order-lines`. */
export function pluralOf(kebab: string): string {
  const parts = words(kebab);
  const last = parts.pop() ?? '';
  return [...parts, pluralize.plural(last)].join('-');
}

export function templateContextFor(spec: ServiceSpec, generatorVersion: string): TemplateContext {
  const resourcePlural = pluralOf(spec.resource);
  return {
    ...spec,
    nameSnake: snakeCase(spec.name),
    namePascal: pascalCase(spec.name),
    resourcePlural,
    resourcePascal: pascalCase(spec.resource),
    resourcePluralPascal: pascalCase(resourcePlural),
    resourceCamel: camelCase(spec.resource),
    resourcePluralCamel: camelCase(resourcePlural),
    resourceSnake: snakeCase(spec.resource),
    resourcePluralSnake: snakeCase(resourcePlural),
    storagePostgres: spec.storage === 'postgres',
    storageNone: spec.storage === 'none',
    messagingAny: spec.messaging !== 'none',
    messagingAtLeastOnce: spec.messaging === 'at-least-once',
    messagingAtMostOnce: spec.messaging === 'at-most-once',
    brokerRabbitmq: spec.broker === 'rabbitmq',
    brokerNats: spec.broker === 'nats',
    cacheAny: spec.cache !== 'none',
    cacheMemory: spec.cache === 'memory',
    cacheRedis: spec.cache === 'redis',
    ...GENERATED_SERVICE_RUNTIME,
    generatorVersion,
  };
}
