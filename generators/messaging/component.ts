import type { Component } from '../lib/component.js';
import { secretEnv } from '../lib/backing-service.js';
import { pinned, SERVICE_IMAGES } from '../lib/service-versions.js';
import { DEFAULT_BROKER } from '../lib/spec.js';
import { messagingSettings } from './settings.js';

/**
 * Messaging: a consumer of `<name>.<resource>.commands` and a publisher of `<name>.events`, with
 * at-least-once or at-most-once semantics, on RabbitMQ or NATS JetStream. Broker-neutral code
 * lives in messaging/common; each broker's adapter in messaging/<broker>; what depends on the
 * storage (inbox, outbox, the example handler) in messaging/storage-<storage>.
 */
export const component: Component = {
  id: 'messaging',
  includedIn: (spec) => spec.messaging !== 'none',
  templateDirs: (spec) => ['messaging/common', `messaging/${spec.broker ?? DEFAULT_BROKER}`, `messaging/storage-${spec.storage}`],
  packageJson: (context) => ({
    dependencies: context.brokerNats ? pinned('@nats-io/transport-node', '@nats-io/jetstream') : pinned('amqplib'),
    // Validates docs/asyncapi.yaml in the service's own tests.
    devDependencies: pinned('@asyncapi/parser'),
  }),
  userOwnedPaths: (context) => [`src/${context.resourcePlural}/commands.ts`, `src/${context.resourcePlural}/events.ts`, `test/${context.resourcePlural}/commands.test.ts`, 'docs/adr/', 'docs/asyncapi.yaml'],
  settings: messagingSettings,
  backingServices: (context) =>
    context.brokerNats
      ? [
          {
            composeService: 'nats',
            title: 'NATS with JetStream',
            runYourOwn: 'a NATS server with JetStream',
            port: 4222,
            egressComment: ['The message broker (NATS client port, plain and TLS). Narrow the destination once you know where it runs.'],
            neededOnHost: true,
            compose: {
              environment: ['NATS_URL: "nats://nats:4222"'],
              definition: `  nats:
    image: "${SERVICE_IMAGES.nats}"
    command: ["-js", "-sd", "/data", "-m", "8222"]
    ports:
      - "127.0.0.1:4222:4222"
    volumes:
      - nats-data:/data
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "-", "http://127.0.0.1:8222/healthz?js-enabled-only=true"]
      interval: 5s
      timeout: 3s
      retries: 10
      start_period: 5s`,
              volume: 'nats-data',
            },
            ci: {
              urlSetting: 'NATS_URL',
              url: 'nats://localhost:4222',
              serviceContainer: '',
              startStep: `      # Service containers cannot pass arguments, and NATS needs -js for JetStream.
      - name: Start NATS with JetStream
        run: docker run -d --name nats -p 4222:4222 ${SERVICE_IMAGES.nats} -js`,
            },
          },
        ]
      : context.brokerRabbitmq
        ? [
            {
              composeService: 'rabbitmq',
              title: 'RabbitMQ',
            runYourOwn: 'a RabbitMQ 4',
              port: 5672,
              tlsPort: 5671,
              egressComment: ['The message broker (RabbitMQ): 5672 for amqp://, 5671 for amqps:// (TLS). Keep only the one', 'AMQP_URL uses, and narrow the destination once you know where it runs (see the PostgreSQL rule).'],
              neededOnHost: true,
              compose: {
                environment: ['AMQP_URL: "amqp://guest:guest@rabbitmq:5672"'],
                definition: `  rabbitmq:
    image: "${SERVICE_IMAGES.rabbitmq}"
    # RabbitMQ's default user guest/guest (the image lets it in from other hosts), the same as a
    # broker installed locally: .env.development works with either.
    # AMQP and the management UI on loopback, so \`npm test\` on the host can use the broker too.
    ports:
      - "127.0.0.1:5672:5672"
      - "127.0.0.1:15672:15672"
    volumes:
      - rabbitmq-data:/var/lib/rabbitmq
    healthcheck:
      test: ["CMD", "rabbitmq-diagnostics", "-q", "check_port_connectivity"]
      interval: 10s
      timeout: 5s
      retries: 10
      start_period: 20s`,
                volume: 'rabbitmq-data',
              },
              ci: {
                urlSetting: 'AMQP_URL',
                url: 'amqp://ci:ci@localhost:5672',
                serviceContainer: `      rabbitmq:
        image: ${SERVICE_IMAGES.rabbitmq}
        env:
          RABBITMQ_DEFAULT_USER: ci
          RABBITMQ_DEFAULT_PASS: ci
        ports:
          - "5672:5672"
        options: >-
          --health-cmd "rabbitmq-diagnostics -q check_port_connectivity"
          --health-interval 5s
          --health-timeout 5s
          --health-retries 30`,
                startStep: '',
              },
            },
          ]
        : [],
  deploymentEnv: (context) => [
    secretEnv(context.brokerUrlSetting, 'The Secret is not part of these manifests; see README "Messaging".', { name: `${context.name}-broker`, key: 'url' }),
  ],
  addable: {
    choices: ['messaging', 'broker'],
    presentIn: (spec) => spec.messaging !== 'none',
    whenAdded: { messaging: 'at-least-once', broker: DEFAULT_BROKER },
  },
};
