import type { Component } from '../lib/component.js';
import { pinned } from '../lib/service-versions.js';

/**
 * Messaging: a consumer of `<name>.<resource>.commands` and a publisher of `<name>.events`, with
 * at-least-once or at-most-once semantics, on RabbitMQ or NATS JetStream. Broker-neutral code
 * lives in messaging/common; each broker's adapter in messaging/<broker>; what depends on the
 * storage (inbox, outbox, the example handler) in messaging/storage-<storage>.
 */
export const component: Component = {
  id: 'messaging',
  includedIn: (spec) => spec.messaging !== 'none',
  templateDirs: (spec) => ['messaging/common', `messaging/${spec.broker ?? 'rabbitmq'}`, `messaging/storage-${spec.storage}`],
  packageJson: (context) => ({
    dependencies: context.brokerNats ? pinned('@nats-io/transport-node', '@nats-io/jetstream') : pinned('amqplib'),
    // Validates docs/asyncapi.yaml in the service's own tests.
    devDependencies: pinned('@asyncapi/parser'),
  }),
  userOwnedPaths: (context) => [`src/${context.resourcePlural}/commands.ts`, `src/${context.resourcePlural}/events.ts`, `test/${context.resourcePlural}/commands.test.ts`, 'docs/adr/', 'docs/asyncapi.yaml'],
  addable: {
    choices: ['messaging', 'broker'],
    presentIn: (spec) => spec.messaging !== 'none',
    whenAdded: { messaging: 'at-least-once', broker: 'rabbitmq' },
  },
};
