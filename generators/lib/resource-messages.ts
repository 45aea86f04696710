/**
 * The messages of a resource added with `microforge add resource`, where the repo has messaging
 * with storage: the queued update it consumes (`update-<resource>`) and the events it publishes
 * (`<resource>.updated`, `<resource>.deleted`). Their JSON Schemas are stated here once, from the
 * field types, and rendered twice: into docs/asyncapi.yaml, and (as TypeBox) into the resource's
 * commands.ts and events.ts, whose generated test (test/messaging/asyncapi.test.ts) holds the two
 * equal.
 */
import { stringify } from 'yaml';
import { FIELD_TYPE_MAPPINGS, type ResourceSpec } from './resource-spec.js';

/** A resource with its name in camelCase (`order-line` → `orderLine`), the stem of its id property. */
export interface NamedResource {
  spec: ResourceSpec;
  camel: string;
}

export const updateCommandTypeOf = (resource: string): string => `update-${resource}`;
export const updatedEventTypeOf = (resource: string): string => `${resource}.updated`;
export const deletedEventTypeOf = (resource: string): string => `${resource}.deleted`;

/** The key asyncapi.ts gives a message: its type in camelCase (`order-line.updated` → `orderLineUpdated`). */
const messageKey = (type: string): string => type.replace(/[^A-Za-z0-9]+(.)?/g, (_all, next: string | undefined) => (next ?? '').toUpperCase());
const capitalised = (word: string): string => `${word.charAt(0).toUpperCase()}${word.slice(1)}`;

type Schema = Record<string, unknown>;

function changesSchema(resource: ResourceSpec): Schema {
  const properties = Object.fromEntries(
    resource.fields.map((field) => {
      const schema = FIELD_TYPE_MAPPINGS[field.type].inputJsonSchema;
      return [field.name, field.optional ? { ...schema, type: [schema.type, 'null'] } : schema];
    }),
  );
  return { type: 'object', properties, additionalProperties: false, minProperties: 1 };
}

function updateCommandSchema(resource: NamedResource): Schema {
  const idKey = `${resource.camel}Id`;
  return {
    type: 'object',
    required: [idKey, 'expectedVersion', 'changes'],
    properties: { [idKey]: { type: 'string', format: 'uuid' }, expectedVersion: { type: 'integer', minimum: 1 }, changes: changesSchema(resource.spec) },
    additionalProperties: false,
  };
}

function updatedEventSchema(resource: NamedResource): Schema {
  const idKey = `${resource.camel}Id`;
  return {
    type: 'object',
    required: [idKey, 'version', 'changed', 'commandId'],
    properties: { [idKey]: { type: 'string' }, version: { type: 'integer' }, changed: { type: 'array', items: { type: 'string' } }, commandId: { type: 'string' } },
    additionalProperties: false,
  };
}

function deletedEventSchema(resource: NamedResource): Schema {
  const idKey = `${resource.camel}Id`;
  return {
    type: 'object',
    required: [idKey, 'version', 'deletedAt'],
    properties: { [idKey]: { type: 'string' }, version: { type: 'integer' }, deletedAt: { type: 'string', format: 'date-time' } },
    additionalProperties: false,
  };
}

export interface MessagingNames {
  brokerRabbitmq: boolean;
  eventsExchange: string;
}

/** The parts of docs/asyncapi.yaml the added resources contribute, as YAML indented for their place. */
export interface ResourcesAsyncApi {
  /** Under `channels.commands.messages` and `channels.deadLetter.messages`. */
  commandRefs: string;
  /** Under `channels`. */
  channels: string;
  /** Under `operations`. */
  operations: string;
  /** Under `components.messages`. */
  messages: string;
}

const TRACE_HEADERS = {
  type: 'object',
  description: "W3C trace context: the consumer continues the sender's trace",
  properties: { traceparent: { type: 'string' }, tracestate: { type: 'string' } },
};

const indented = (value: Schema, spaces: number): string =>
  Object.keys(value).length === 0
    ? ''
    : `${stringify(value, { lineWidth: 0 })
        .trimEnd()
        .split('\n')
        .map((line) => `${' '.repeat(spaces)}${line}`)
        .join('\n')}\n`;

export function resourcesAsyncApi(resources: readonly NamedResource[], names: MessagingNames): ResourcesAsyncApi {
  const envelope = (type: string, data: Schema): Schema => ({
    type: 'object',
    required: ['id', 'type', 'data'],
    additionalProperties: false,
    properties: {
      id: {
        type: 'string',
        minLength: 1,
        maxLength: 200,
        description: `${names.brokerRabbitmq ? 'Also the AMQP messageId' : 'Also the Nats-Msg-Id header'}: duplicates are recognised by it`,
      },
      type: { const: type },
      data,
    },
  });
  const message = (type: string, kind: string, data: Schema): Schema => ({ name: type, title: `${type} ${kind}`, headers: TRACE_HEADERS, payload: envelope(type, data) });
  const commandRefs: Schema = {};
  const channels: Schema = {};
  const operations: Schema = {};
  const messages: Schema = {};
  for (const resource of resources) {
    const command = updateCommandTypeOf(resource.spec.name);
    const commandKey = messageKey(command);
    commandRefs[commandKey] = { $ref: `#/components/messages/${commandKey}` };
    messages[commandKey] = message(command, 'command', updateCommandSchema(resource));
    operations[`consume${capitalised(commandKey)}`] = {
      action: 'receive',
      channel: { $ref: '#/channels/commands' },
      messages: [{ $ref: `#/channels/commands/messages/${commandKey}` }],
    };
    for (const [event, data] of [
      [updatedEventTypeOf(resource.spec.name), updatedEventSchema(resource)],
      [deletedEventTypeOf(resource.spec.name), deletedEventSchema(resource)],
    ] as const) {
      const key = messageKey(event);
      messages[key] = message(event, 'event', data);
      channels[key] = {
        address: names.brokerRabbitmq ? event : `${names.eventsExchange}.${event}`,
        description: names.brokerRabbitmq ? `Routing key on the topic exchange ${names.eventsExchange}` : 'Subject of the events stream',
        messages: { [key]: { $ref: `#/components/messages/${key}` } },
      };
      operations[`publish${capitalised(key)}`] = { action: 'send', channel: { $ref: `#/channels/${key}` }, messages: [{ $ref: `#/channels/${key}/messages/${key}` }] };
    }
  }
  return { commandRefs: indented(commandRefs, 6), channels: indented(channels, 2), operations: indented(operations, 2), messages: indented(messages, 4) };
}
