import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { parseGenerationRecord } from '../../generators/lib/generation-record.js';
import { renderRepo } from '../../generators/lib/render.js';
import { FIELD_TYPES, nextMigrationNumber, parseField, type ResourceSpec } from '../../generators/lib/resource-spec.js';
import { completeSpec, type ServiceSpec } from '../../generators/lib/spec.js';
import { UsageError } from '../../generators/lib/usage-error.js';

const text = (tree: ReadonlyMap<string, Buffer>, path: string): string => {
  const contents = tree.get(path);
  if (!contents) throw new Error(`${path} was not rendered`);
  return contents.toString('utf8');
};

const order: ResourceSpec = {
  name: 'order',
  fields: ['title:string', 'body:text?', 'count:integer', 'price:number?', 'active:boolean', 'dueAt:timestamp?', 'ownerId:uuid'].map(parseField),
  migration: 8,
};
const shipment: ResourceSpec = { name: 'shipment', fields: [parseField('trackingCode:string')], migration: 9 };

const withResources = (given: Partial<ServiceSpec>): ServiceSpec => completeSpec({ ...given, resources: [order, shipment] }, 'shop');

describe('parseField', () => {
  it('reads NAME:TYPE and NAME:TYPE? for every type', () => {
    for (const type of FIELD_TYPES) {
      expect(parseField(`someValue:${type}`)).toEqual({ name: 'someValue', type, optional: false });
      expect(parseField(`someValue:${type}?`)).toEqual({ name: 'someValue', type, optional: true });
    }
  });

  it.each([
    ['id:uuid', /field name 'id' is reserved/],
    ['deletedAt:timestamp', /field name 'deletedAt' is reserved/],
    ['Title:string', /must be a lowerCamel identifier/],
    ['due_date:timestamp', /must be a lowerCamel identifier/],
    ['total:money', /unknown type 'money'/],
    ['total', /must look like NAME:TYPE/],
    ['total:number??', /must look like NAME:TYPE/],
  ])('refuses %s', (input, message) => {
    expect(() => parseField(input)).toThrow(UsageError);
    expect(() => parseField(input)).toThrow(message);
  });
});

describe('rendering added resources', () => {
  it('renders each resource from its own folder, numbered migrations, and lists them in the registry', () => {
    const tree = renderRepo(withResources({}));
    for (const resource of ['orders', 'shipments']) {
      for (const file of ['resource.ts', 'routes.ts', 'schemas.ts', 'store.ts', 'cache.ts', 'cached-store.ts']) expect(tree.has(`src/${resource}/${file}`)).toBe(true);
      expect(tree.has(`test/${resource}/routes.test.ts`)).toBe(true);
    }
    expect([...tree.keys()].filter((path) => path.startsWith('migrations/')).slice(-2)).toEqual(['migrations/0008_create_orders.sql', 'migrations/0009_create_shipments.sql']);
    expect(text(tree, 'src/resources/index.ts')).toContain('[orderResource, orderQueuedUpdates, shipmentResource, shipmentQueuedUpdates]');
    expect(text(tree, 'src/db/tombstone-purger.ts')).toContain(`const TABLES = ['"items"', '"orders"', '"shipments"'];`);
  });

  it('maps every field type to a PostgreSQL column and a schema, optional ones nullable', () => {
    const tree = renderRepo(withResources({}));
    const migration = text(tree, 'migrations/0008_create_orders.sql');
    for (const column of [
      '"title" text not null check (char_length("title") <= 200)',
      '"body" text check (char_length("body") <= 100000)',
      '"count" integer not null',
      '"price" numeric check ("price" not in (\'NaN\', \'Infinity\', \'-Infinity\'))',
      '"active" boolean not null',
      '"due_at" timestamptz,',
      '"owner_id" uuid not null',
    ]) {
      expect(migration).toContain(column);
    }
    const schemas = text(tree, 'src/orders/schemas.ts');
    expect(schemas).toContain("price: Type.Optional(nullable(Type.Number())),");
    expect(schemas).toContain("dueAt: Type.Optional(nullable(Type.String({ format: 'date-time' }))),");
    expect(schemas).toContain("ownerId: Type.String({ format: 'uuid' }),");
    expect(schemas).toContain('count: Type.Integer({ minimum: -2_147_483_648, maximum: 2_147_483_647 }),');
    const store = text(tree, 'src/orders/store.ts');
    expect(store).toContain('price: row.price === null ? null : Number(row.price),');
    expect(text(tree, 'src/orders/routes.ts')).toContain('dueAt: entity.dueAt === null ? null : entity.dueAt.toISOString(),');
    expect(text(tree, 'src/shipments/schemas.ts')).not.toContain('nullable');
  });

  it('follows the repo: no cache files without a cache, outbox events only with messaging', () => {
    const plain = renderRepo(withResources({ cache: 'none', messaging: 'none' }));
    expect(plain.has('src/orders/cache.ts')).toBe(false);
    expect(text(plain, 'src/orders/resource.ts')).toContain('new PgOrderStore(deps.pool)');
    expect(text(plain, 'src/orders/store.ts')).not.toContain('outbox');
    expect(text(renderRepo(withResources({})), 'src/orders/store.ts')).toContain("const DELETED_EVENT = 'order.deleted';");
  });

  it('gives each resource a queued update with messaging (registered, consumed, in AsyncAPI), none without', () => {
    const tree = renderRepo(withResources({}));
    for (const file of ['commands.ts', 'events.ts', 'queued-updates.ts', 'update-queue.ts', 'update-routes.ts']) expect(tree.has(`src/orders/${file}`)).toBe(true);
    expect(tree.has('test/orders/queued-updates.test.ts')).toBe(true);
    expect(text(tree, 'src/messaging/messaging.ts')).toContain('...orderCommandHandlers(handlerOptions),');
    expect(text(tree, 'src/messaging/asyncapi.ts')).toContain('{ adjust: AdjustData, ...orderCommands, ...shipmentCommands }');
    const commands = text(tree, 'src/orders/commands.ts');
    expect(commands).toContain("price: Type.Optional(nullable(Type.Number())),");
    expect(commands).toContain("title: Type.Optional(Type.String({ maxLength: 200 })),");
    expect(commands).toContain("export const UPDATE_COMMAND = 'update-order';");
    const asyncApi = parse(text(tree, 'docs/asyncapi.yaml')) as {
      channels: Record<string, { address: string; messages: Record<string, unknown> }>;
      components: { messages: Record<string, { name: string; payload: { properties: { data: any } } }> };
    };
    expect(Object.keys(asyncApi.channels.commands!.messages)).toEqual(['adjust', 'updateOrder', 'updateShipment']);
    expect(asyncApi.channels.orderUpdated!.address).toBe('order.updated');
    expect(asyncApi.channels.shipmentDeleted!.address).toBe('shipment.deleted');
    const changes = asyncApi.components.messages.updateOrder!.payload.properties.data.properties.changes;
    expect(changes.properties.price).toEqual({ type: ['number', 'null'] });
    expect(changes.properties.count).toEqual({ type: 'integer', minimum: -2_147_483_648, maximum: 2_147_483_647 });
    expect(changes.minProperties).toBe(1);
    expect(text(tree, 'docs/resources/orders.md')).toContain('`POST /orders/:id/updates`');

    const plain = renderRepo(withResources({ messaging: 'none' }));
    expect(plain.has('src/orders/queued-updates.ts')).toBe(false);
    expect(text(plain, 'src/resources/index.ts')).toContain('[orderResource, shipmentResource]');
  });

  it('renders no resource files and an empty registry without added resources', () => {
    const tree = renderRepo(completeSpec({}, 'shop'));
    expect(text(tree, 'src/resources/index.ts')).toContain('export const ADDED_RESOURCES: readonly ResourceModule[] = [];');
    expect([...tree.keys()].filter((path) => path.startsWith('migrations/')).at(-1)).toBe('migrations/0007_add_outbox_trace_context.sql');
  });

  it('moves a newer template migration off a number a resource took before it, the same way on every render', () => {
    // order was added (as 0006) before a release shipped 0006_add_outbox_claims.sql.
    const spec = completeSpec({ resources: [{ ...order, migration: 6 }, { ...shipment, migration: 7 }] }, 'shop');
    const migrations = (tree: ReadonlyMap<string, Buffer>) => [...tree.keys()].filter((path) => path.startsWith('migrations/')).slice(-4);
    expect(migrations(renderRepo(spec))).toEqual([
      'migrations/0006_create_orders.sql',
      'migrations/0007_create_shipments.sql',
      'migrations/0008_add_outbox_claims.sql',
      'migrations/0009_add_outbox_trace_context.sql',
    ]);
    const third: ResourceSpec = { name: 'invoice', fields: [parseField('total:number')], migration: nextMigrationNumber(renderRepo(spec).keys()) };
    expect(third.migration).toBe(10);
    expect(migrations(renderRepo({ ...spec, resources: [...(spec.resources ?? []), third] }))).toEqual([
      'migrations/0007_create_shipments.sql',
      'migrations/0008_add_outbox_claims.sql',
      'migrations/0009_add_outbox_trace_context.sql',
      'migrations/0010_create_invoices.sql',
    ]);
  });

  it('refuses resources in a repo without storage', () => {
    expect(() => completeSpec({ storage: 'none', resources: [order] }, 'shop')).toThrow(/added resources need storage/);
  });
});

describe('the record of added resources', () => {
  it('round-trips through .yo-rc.json, and a record without resources (0.1.0) still reads', () => {
    const spec = withResources({});
    const record = parseGenerationRecord(text(renderRepo(spec), '.yo-rc.json'), '.yo-rc.json');
    expect(record.spec).toEqual(spec);
    const old = parseGenerationRecord(JSON.stringify({ 'create-microforge': { name: 'shop', resource: 'item', storage: 'postgres', cache: 'redis', messaging: 'none', broker: null } }), 'old');
    expect(old.spec.resources).toBeUndefined();
  });

  it('refuses a damaged resources entry', () => {
    const damaged = { 'create-microforge': { name: 'shop', resources: [{ name: 'order', fields: [{ name: 'id', type: 'uuid' }], migration: 7 }] } };
    expect(() => parseGenerationRecord(JSON.stringify(damaged), 'x')).toThrow(/field name 'id' is reserved/);
    expect(() => parseGenerationRecord(JSON.stringify({ 'create-microforge': { name: 'shop', resources: {} } }), 'x')).toThrow(/must be a list/);
  });
});

describe('nextMigrationNumber', () => {
  it('numbers after the last migration, rendered or hand-written', () => {
    expect(nextMigrationNumber(['migrations/0001_a.sql', 'migrations/0012_mine.sql', 'src/0099_x.ts'])).toBe(13);
    expect(nextMigrationNumber([])).toBe(1);
  });
});

describe('asking for fields on a terminal', () => {
  it('asks one field at a time until an empty answer, refusing what --field would refuse', async () => {
    const { askFields } = await import('../../bin/cli/resource-command.js');
    const answers = ['title:string', 'note:text?', ''];
    const asked: string[] = [];
    const problems: Array<string | undefined> = [];
    const fields = await askFields('order', async (message, problemWith) => {
      asked.push(message);
      if (asked.length === 1) problems.push(problemWith(''), problemWith('id:uuid'), problemWith('total:money'));
      if (asked.length === 2) problems.push(problemWith('title:integer'));
      return answers[asked.length - 1] ?? '';
    });
    expect(fields).toEqual([parseField('title:string'), parseField('note:text?')]);
    expect(asked[0]).toMatch(/^Field 1 of order as NAME:TYPE\[\?\] \(string, text, integer, number, boolean, timestamp, uuid\)$/);
    expect(asked[1]).toMatch(/; empty to finish$/);
    expect(problems).toEqual([
      'a resource needs at least one field',
      expect.stringMatching(/field name 'id' is reserved/),
      expect.stringMatching(/unknown type 'money'/),
      "field 'title' is given twice for resource 'order'",
    ]);
  });
});
