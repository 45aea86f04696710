import { describe, expect, it } from '@jest/globals';
import { validSpecs } from '../../generators/lib/combinations.js';
import { checkGivenChoices, completeSpec, CHOICES, type PartialChoices } from '../../generators/lib/spec.js';
import { COMPONENTS } from '../../generators/lib/components.js';
import { templateContextFor } from '../../generators/lib/template-context.js';
import { UsageError } from '../../generators/lib/usage-error.js';

const fromFlags = (given: PartialChoices) => completeSpec(checkGivenChoices(given, 'flag'), 'dir-name');

function usageErrorOf(action: () => unknown): UsageError {
  try {
    action();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
}

describe('defaults', () => {
  it('fills every choice, taking the name from the directory', () => {
    expect(completeSpec({}, 'orders')).toEqual({ name: 'orders', resource: 'item', storage: 'postgres', cache: 'redis', messaging: 'at-least-once', broker: 'rabbitmq' });
    expect(completeSpec({ storage: 'none' }, 'orders').cache).toBe('none');
  });

  it('refuses a directory name that is not a valid service name, pointing at --name', () => {
    expect(usageErrorOf(() => completeSpec({}, 'My_Service')).message).toBe(
      "the directory name cannot be the service name (name 'My_Service' must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit); pass --name",
    );
  });
});

describe('name', () => {
  it.each([
    ['Orders', "name 'Orders' must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit"],
    ['-orders', "name '-orders' must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit"],
    ['orders-', "name 'orders-' must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit"],
    ['my_service', "name 'my_service' must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit"],
    ['a'.repeat(64), `name '${'a'.repeat(64)}' is 64 characters long; at most 63 are allowed (a Kubernetes object name)`],
    ['../evil', "name '../evil' must not contain '/', '\\' or '..'"],
    ['a/b', "name 'a/b' must not contain '/', '\\' or '..'"],
    ['', 'name must not be empty'],
  ])('refuses %j', (name, message) => {
    const error = usageErrorOf(() => fromFlags({ name }));
    expect(error.message).toBe(message);
    expect(error.exitCode).toBe(2);
  });

  it('refuses a name the Kubernetes Service cannot carry (DNS-1035: starts with a letter)', () => {
    expect(usageErrorOf(() => fromFlags({ name: '1st' })).message).toBe(
      "name '1st' must start with a letter: it also names the Kubernetes Service, whose names are DNS-1035 labels",
    );
  });

  it.each(['a', 'orders', 'order-service-2', 'a1', 'a'.repeat(63)])('accepts %j', (name) => {
    expect(fromFlags({ name }).name).toBe(name);
  });
});

describe('resource', () => {
  it.each([
    ['Item', "resource 'Item' must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit"],
    ['1item', "resource '1item' must start with a letter (it becomes a TypeScript type and an SQL table)"],
    ['items/x', "resource 'items/x' must not contain '/', '\\' or '..'"],
    ['sheep', "resource 'sheep' must be a singular noun with a distinct plural (it names both /sheep collections and single items)"],
    ['metric', "resource 'metric' would collide with the service's own /metrics endpoint; choose another name"],
  ])('refuses %j', (resource, message) => {
    expect(usageErrorOf(() => fromFlags({ name: 'svc', resource })).message).toBe(message);
  });

  it('derives every name the templates use', () => {
    const context = templateContextFor(fromFlags({ name: 'order-service', resource: 'order-line' }), '0.0.0', COMPONENTS);
    expect(context).toMatchObject({
      nameSnake: 'order_service',
      namePascal: 'OrderService',
      resourcePlural: 'order-lines',
      resourcePascal: 'OrderLine',
      resourcePluralPascal: 'OrderLines',
      resourceCamel: 'orderLine',
      resourcePluralCamel: 'orderLines',
      resourceSnake: 'order_line',
      resourcePluralSnake: 'order_lines',
      storagePostgres: true,
      storageNone: false,
      cacheAny: true,
      cacheRedis: true,
      messagingAny: true,
      messagingOutbox: true,
    });
    expect(templateContextFor(fromFlags({ name: 's', resource: 'category' }), '0', COMPONENTS).resourcePlural).toBe('categories');
  });
});

describe('values and combinations', () => {
  it('refuses an unknown value, naming the allowed ones', () => {
    expect(usageErrorOf(() => fromFlags({ storage: 'mysql' })).message).toBe("--storage has unknown value 'mysql' (expected one of: none, postgres)");
  });

  it('names the answers file when a value there is wrong', () => {
    expect(usageErrorOf(() => checkGivenChoices({ cache: 'disk' }, 'answers file a.json')).message).toBe(
      "'cache' in answers file a.json has unknown value 'disk' (expected one of: none, memory, redis)",
    );
    expect(usageErrorOf(() => checkGivenChoices({ storage: 3 }, 'answers file a.json')).message).toBe("'storage' in answers file a.json must be a string, got number");
    expect(usageErrorOf(() => checkGivenChoices({ colour: 'red' } as never, 'answers file a.json')).message).toBe(
      "'colour' in answers file a.json is not a known choice (expected one of: name, resource, storage, cache, messaging, broker)",
    );
  });

  it('refuses a broker without messaging', () => {
    expect(usageErrorOf(() => fromFlags({ messaging: 'none', broker: 'nats' })).message).toBe(
      '--broker nats contradicts --messaging none: a broker is only used with at-most-once or at-least-once messaging',
    );
  });

  it('refuses a cache without storage', () => {
    expect(usageErrorOf(() => fromFlags({ cache: 'redis', storage: 'none' })).message).toBe(
      '--cache redis contradicts --storage none: a cache fronts reads of stored data, so it needs PostgreSQL storage (--storage postgres; in an existing repo, microforge add storage)',
    );
  });

  it('offers both caches, for postgres storage', () => {
    expect(fromFlags({ cache: 'memory' }).cache).toBe('memory');
    expect(fromFlags({ cache: 'redis', storage: 'postgres' }).cache).toBe('redis');
  });

  it('enumerates the valid matrix from the model', () => {
    const specs = validSpecs();
    const storageValues = CHOICES.find((choice) => choice.key === 'storage');
    expect(storageValues?.kind).toBe('enum');
    const valuesOf = (key: 'storage' | 'messaging' | 'broker') => [...new Set(specs.map((spec) => String(spec[key])))].sort();
    expect(valuesOf('storage')).toEqual(['none', 'postgres']);
    expect(valuesOf('messaging')).toEqual(['at-least-once', 'at-most-once', 'none']);
    expect(valuesOf('broker')).toEqual(['nats', 'null', 'rabbitmq']);
    expect(specs.filter((spec) => spec.messaging === 'none').every((spec) => spec.broker === null)).toBe(true);
    expect([...new Set(specs.filter((spec) => spec.storage === 'postgres').map((spec) => spec.cache))].sort()).toEqual(['memory', 'none', 'redis']);
    expect([...new Set(specs.filter((spec) => spec.storage === 'none').map((spec) => spec.cache))]).toEqual(['none']);
    for (const spec of specs) expect(() => completeSpec(spec, spec.name)).not.toThrow();
  });
});
