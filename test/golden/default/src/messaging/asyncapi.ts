/**
 * The AsyncAPI 3 document of this service's messaging, built from the schemas the code uses: the
 * commands it consumes (their handlers' schemas) and the events it publishes (src/orders/events.ts).
 * docs/asyncapi.yaml is this document, committed; test/messaging/asyncapi.test.ts fails when they differ.
 */
import type { TSchema } from 'typebox';
import { SERVICE_NAME } from '../config.ts';
import { AdjustData } from '../orders/commands.ts';
import { PUBLISHED_EVENTS } from '../orders/events.ts';

/**
 * The commands this service consumes: type → the schema of `data` (as the handlers validate it),
 * the example's and those of each resource added with `microforge add resource`.
 */
const CONSUMED_COMMANDS: Record<string, TSchema> = { adjust: AdjustData };
/** The events this service publishes: type → the schema of `data`. */
const EVENTS: Record<string, TSchema> = { ...PUBLISHED_EVENTS };

/** A schema as plain JSON (TypeBox adds symbol keys that JSON leaves out). */
const plain = (schema: TSchema): unknown => JSON.parse(JSON.stringify(schema));

/** The `{ id, type, data }` envelope of every message, with `data` as given. */
const envelope = (type: string, data: TSchema) => ({
  type: 'object',
  required: ['id', 'type', 'data'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 200, description: 'Also the AMQP messageId: duplicates are recognised by it' },
    type: { const: type },
    data: plain(data),
  },
});

const TRACE_HEADERS = {
  type: 'object',
  description: "W3C trace context: the consumer continues the sender's trace",
  properties: { traceparent: { type: 'string' }, tracestate: { type: 'string' } },
};

const id = (name: string): string => name.replace(/[^A-Za-z0-9]+(.)?/g, (_all, next: string | undefined) => (next ?? '').toUpperCase());

export function asyncApiDocument(version: string): Record<string, unknown> {
  const commandMessages = Object.fromEntries(
    Object.entries(CONSUMED_COMMANDS).map(([type, data]) => [id(type), { name: type, title: `${type} command`, headers: TRACE_HEADERS, payload: envelope(type, data) }]),
  );
  const eventMessages = Object.fromEntries(
    Object.entries(EVENTS).map(([type, data]) => [id(type), { name: type, title: `${type} event`, headers: TRACE_HEADERS, payload: envelope(type, data) }]),
  );
  const ref = (path: string) => ({ $ref: path });
  return {
    asyncapi: '3.0.0',
    info: {
      title: SERVICE_NAME,
      version,
      description: `Commands ${SERVICE_NAME} consumes and events it publishes (RabbitMQ, at-least-once). Addresses are the defaults of MESSAGING_COMMANDS, MESSAGING_DEAD_LETTER and MESSAGING_EVENTS.`,
    },
    defaultContentType: 'application/json',
    channels: {
      commands: {
        address: 'orders.order.commands',
        description: 'Durable quorum queue, reached through the default exchange',
        messages: Object.fromEntries(Object.keys(commandMessages).map((key) => [key, ref(`#/components/messages/${key}`)])),
      },
      deadLetter: {
        address: 'orders.order.commands.dead-letter',
        description: 'Commands that could not be applied (poison, or out of deliveries)',
        messages: Object.fromEntries(Object.keys(commandMessages).map((key) => [key, ref(`#/components/messages/${key}`)])),
      },
      ...Object.fromEntries(
        Object.entries(eventMessages).map(([key, message]) => [
          key,
          {
            address: message.name,
            description: 'Routing key on the topic exchange orders.events',
            messages: { [key]: ref(`#/components/messages/${key}`) },
          },
        ]),
      ),
    },
    operations: {
      ...Object.fromEntries(
        Object.keys(commandMessages).map((key) => [
          `consume${key[0]?.toUpperCase()}${key.slice(1)}`,
          { action: 'receive', channel: ref('#/channels/commands'), messages: [ref(`#/channels/commands/messages/${key}`)] },
        ]),
      ),
      ...Object.fromEntries(
        Object.keys(eventMessages).map((key) => [
          `publish${key[0]?.toUpperCase()}${key.slice(1)}`,
          { action: 'send', channel: ref(`#/channels/${key}`), messages: [ref(`#/channels/${key}/messages/${key}`)] },
        ]),
      ),
    },
    components: { messages: { ...commandMessages, ...eventMessages } },
  };
}
