/**
 * The test's side of the broker: sends commands the way other services do, and reads what the
 * service left in the dead-letter subject and on the events subjects.
 */
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { brokerUrl } from '../helpers.ts';

export interface Names {
  commands: string;
  events: string;
  deadLetter: string;
}

export interface Received {
  id: string | undefined;
  /** The W3C traceparent header the message carried. */
  traceparent: string | undefined;
  body: string;
}

export interface BrokerClient {
  send(command: { id: string; body: unknown; traceparent?: string }): Promise<void>;
  /** Events published since the client opened (RabbitMQ) or kept by the stream (NATS). */
  events(): Promise<Received[]>;
  deadLetters(): Promise<Received[]>;
  /** Removes every queue, exchange or stream under these names, then disconnects. */
  close(): Promise<void>;
}

const encode = (body: unknown): Buffer => Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');

/** Call after the service's broker has declared its streams. */
export async function openBrokerClient(names: Names): Promise<BrokerClient> {
  const nc: NatsConnection = await connect({ servers: brokerUrl() });
  const jsm: JetStreamManager = await jetstreamManager(nc);
  const js = jetstream(nc);
  const read = async (subject: string, filter: string): Promise<Received[]> => {
    const stream = await jsm.streams.find(subject);
    // A string, not a list: filter_subjects (plural) needs nats-server 2.10.
    const consumer = await js.consumers.get(stream, { filter_subjects: filter });
    const received: Received[] = [];
    for (;;) {
      let got = 0;
      for await (const message of await consumer.fetch({ max_messages: 500, expires: 1000 })) {
        got += 1;
        received.push({
          id: message.headers?.get('Nats-Msg-Id') || undefined,
          traceparent: message.headers?.get('traceparent') || undefined,
          body: message.string(),
        });
      }
      if (got === 0) return received;
    }
  };
  return {
    async send(command) {
      const h = natsHeaders();
      if (command.traceparent !== undefined) h.set('traceparent', command.traceparent);
      await js.publish(names.commands, encode(command.body), { msgID: command.id, headers: h });
    },
    events: () => read(`${names.events}.any`, `${names.events}.>`),
    deadLetters: () => read(names.deadLetter, names.deadLetter),
    /** Also removes every stream whose subjects belong to this test's names. */
    async close() {
      const prefix = `${names.commands.split('.')[0]}.`;
      for await (const stream of jsm.streams.list()) {
        if ((stream.config.subjects ?? []).some((subject) => subject.startsWith(prefix))) await jsm.streams.delete(stream.config.name);
      }
      await nc.close();
    },
  };
}
