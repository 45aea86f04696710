import { setting, type ServiceSetting, type SettingsContext } from '../lib/service-settings.js';

/** Messaging's settings: the broker's URL, the names on it, flow control and retries, and the outbox relay with PostgreSQL. */
export function messagingSettings(context: SettingsContext): ServiceSetting[] {
  if (!context.messagingAny) return [];
  const rabbit = context.brokerRabbitmq;
  // Built by brokerName(), which messaging's config-helpers section (messaging/common/sections) defines in src/config.ts.
  const brokerName = (defaultValue: string) => ({ type: 'helper' as const, call: `brokerName('${defaultValue}')`, default: defaultValue });
  return [
    setting({
      name: context.brokerUrlSetting,
      schema: rabbit
        ? { type: 'string', pattern: '^amqps?://', errorMessage: 'must be an amqp:// or amqps:// URL' }
        : { type: 'string', pattern: '^(nats|tls|ws|wss)://', errorMessage: 'must be a nats://, tls://, ws:// or wss:// URL' },
      secret: true,
      description: `${rabbit ? '`amqp://` or `amqps://` URL of RabbitMQ' : '`nats://` URL(s) of NATS with JetStream, comma-separated'}; from a Secret`,
      // RabbitMQ's own default user, which compose's broker keeps: a broker the developer already runs works as is.
      development: rabbit ? 'amqp://guest:guest@127.0.0.1:5672' : 'nats://127.0.0.1:4222',
      testValue: rabbit ? 'amqp://app:s3cret@rabbitmq.internal:5672' : 'nats://nats.internal:4222',
    }),
    setting({
      name: 'MESSAGING_COMMANDS',
      schema: brokerName(context.commandsQueue),
      schemaComment: 'Names on the broker; the defaults derive from the service and resource names.',
      secret: false,
      description: `${rabbit ? 'Quorum queue' : 'Subject'} the commands are consumed from`,
    }),
    setting({ name: 'MESSAGING_EVENTS', schema: brokerName(context.eventsExchange), secret: false, description: `${rabbit ? 'Topic exchange' : 'Subject prefix'} the events are published to` }),
    setting({ name: 'MESSAGING_DEAD_LETTER', schema: brokerName(context.deadLetterQueue), secret: false, description: 'Where commands go that cannot be applied' }),
    setting({
      name: 'MESSAGING_MAX_IN_FLIGHT',
      schema: { type: 'integer', default: 16, minimum: 1, maximum: 1000 },
      schemaComment: 'Commands handed to this replica and not yet settled, at most (prefetch / max ack pending).',
      secret: false,
      description: `Commands one replica works on at once (${rabbit ? 'prefetch' : 'max ack pending'})`,
    }),
    setting({
      name: 'MESSAGING_MAX_DELIVERIES',
      schema: { type: 'integer', default: 5, minimum: 1, maximum: 100 },
      schemaComment: 'Deliveries of one command, at most; then it goes to the dead-letter queue.',
      secret: false,
      description: 'Deliveries of a failing command before it is dead-lettered',
    }),
    setting({
      name: 'MESSAGING_RETRY_BASE_MS',
      schema: { type: 'milliseconds', default: 200, minimum: 1, maximum: 60_000 },
      schemaComment: 'First retry delay of a failed command; doubles per delivery, up to MESSAGING_RETRY_MAX_MS.',
      secret: false,
      description: 'First retry delay; doubles per delivery, with jitter',
    }),
    setting({ name: 'MESSAGING_RETRY_MAX_MS', schema: { type: 'milliseconds', default: 10_000, minimum: 1, maximum: 600_000 }, secret: false, description: 'Longest retry delay' }),
    setting({
      name: 'MESSAGING_STALL_MS',
      schema: { type: 'milliseconds', default: 60_000, minimum: 1000, maximum: 3_600_000 },
      schemaComment: '/livez fails when commands wait and in-flight ones have not settled for this long.',
      secret: false,
      description: '`/livez` fails when commands wait and none in flight has settled for this long',
    }),
    ...(context.messagingOutbox
      ? [
          setting({
            name: 'OUTBOX_POLL_MS',
            schema: { type: 'milliseconds', default: 500, minimum: 10, maximum: 60_000 },
            schemaComment: 'How often the outbox relay looks for events when nothing woke it.',
            secret: false,
            description: 'How often the outbox relay looks for unpublished events',
          }),
          setting({
            name: 'OUTBOX_BATCH_SIZE',
            schema: { type: 'integer', default: 100, minimum: 1, maximum: 1000 },
            secret: false,
            description: 'Events the relay publishes per transaction',
          }),
        ]
      : []),
  ];
}
