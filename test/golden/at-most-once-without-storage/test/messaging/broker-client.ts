/**
 * The test's side of the broker: sends commands the way other services do, and reads what the
 * service left in the dead-letter queue and on the events exchange.
 */
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
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

/** Call after the service's broker has declared its topology. */
export async function openBrokerClient(names: Names): Promise<BrokerClient> {
  const connection: ChannelModel = await amqp.connect(brokerUrl());
  connection.on('error', () => undefined);
  const channel: ConfirmChannel = await connection.createConfirmChannel();
  const eventsCopy = `${names.events}.test-copy`;
  await channel.assertQueue(eventsCopy, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(eventsCopy, names.events, '#');
  const drain = async (queue: string): Promise<Received[]> => {
    const received: Received[] = [];
    for (let message = await channel.get(queue, { noAck: true }); message !== false; message = await channel.get(queue, { noAck: true })) {
      received.push({
        id: message.properties.messageId as string | undefined,
        traceparent: message.properties.headers?.traceparent as string | undefined,
        body: message.content.toString('utf8'),
      });
    }
    return received;
  };
  return {
    async send(command) {
      channel.sendToQueue(names.commands, encode(command.body), {
        messageId: command.id,
        headers: command.traceparent === undefined ? {} : { traceparent: command.traceparent },
        persistent: true,
      });
      await channel.waitForConfirms();
    },
    events: () => drain(eventsCopy),
    deadLetters: () => drain(names.deadLetter),
    /** Also removes the queues and the exchange of this test's names. */
    async close() {
      for (const queue of [eventsCopy, names.commands, names.deadLetter]) await channel.deleteQueue(queue);
      await channel.deleteExchange(names.events);
      await connection.close();
    },
  };
}
