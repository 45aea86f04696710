/**
 * Removes what a generated service declared on the machine's broker (its command and
 * dead-letter queues and events exchange on RabbitMQ, its streams on NATS), so a benchmark leaves
 * no durable queues behind. Runs a script with the generated repo's own broker client on the
 * services' Node.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './environment.js';

export type BrokerKind = 'rabbitmq' | 'nats';

export const AMQP_URL = process.env.MICROFORGE_BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const NATS_URL = process.env.MICROFORGE_BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';

/** `service` is the generated service's name, `resource` its resource (queue names derive from both). */
export async function removeServiceTopology(options: { broker: BrokerKind; service: string; resource: string; repo: string; node: string; env: Record<string, string> }): Promise<void> {
  const { broker, service, resource, repo } = options;
  const commands = `${service}.${resource}.commands`;
  const script =
    broker === 'rabbitmq'
      ? `import amqp from 'amqplib'; const c = await amqp.connect(${JSON.stringify(AMQP_URL)}); const ch = await c.createChannel();
         for (const q of ${JSON.stringify([commands, `${commands}.dead-letter`])}) await ch.deleteQueue(q);
         await ch.deleteExchange(${JSON.stringify(`${service}.events`)}); await c.close();`
      : `import { connect } from '@nats-io/transport-node'; import { jetstreamManager } from '@nats-io/jetstream';
         const nc = await connect({ servers: ${JSON.stringify(NATS_URL)} }); const jsm = await jetstreamManager(nc);
         for await (const s of jsm.streams.list()) if ((s.config.subjects ?? []).some((x) => x.startsWith(${JSON.stringify(`${service}.`)}))) await jsm.streams.delete(s.config.name);
         await nc.close();`;
  const file = join(repo, 'bench-cleanup.mjs');
  await writeFile(file, script);
  try {
    await run(options.node, [file], { cwd: repo, env: options.env });
  } finally {
    await rm(file, { force: true });
  }
}
