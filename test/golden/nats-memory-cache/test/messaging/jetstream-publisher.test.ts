/**
 * The PubAck-confirmed publisher against a real NATS JetStream (NATS_URL), with a stream of its
 * own that it deletes afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { JetStreamPublisher } from '../../src/messaging/jetstream-publisher.ts';
import { brokerUrl } from '../helpers.ts';

const label = `publisher-test-${randomBytes(4).toString('hex')}`;
const stream = label.toUpperCase().replaceAll('-', '_');
const subject = `${label}.events.adjusted`;

describe('JetStreamPublisher', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let publisher: JetStreamPublisher;

  before(async () => {
    nc = await connect({ servers: brokerUrl() });
    jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`${label}.events.>`] });
    publisher = new JetStreamPublisher(nc, 500);
  });

  after(async () => {
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close();
  });

  const publish = (id: string, options: { to?: string; streamName?: string; with?: JetStreamPublisher } = {}) =>
    (options.with ?? publisher).publish(options.to ?? subject, JSON.stringify({ id }), {
      messageId: id,
      streamName: options.streamName ?? stream,
      headers: natsHeaders(),
    });

  it('resolves with the PubAck once the stream stored the message, and a repeated id is a duplicate stored once', async () => {
    const results = await Promise.all([publish('a'), publish('b'), publish('c')]);
    assert.deepEqual(
      results.map(({ stream: name, duplicate }) => ({ name, duplicate })),
      [0, 1, 2].map(() => ({ name: stream, duplicate: false })),
    );
    assert.deepEqual(
      results.map(({ seq }) => seq),
      [1, 2, 3],
    );
    const again = await publish('b');
    assert.equal(again.duplicate, true);
    assert.equal((await jsm.streams.info(stream)).state.messages, 3);
    const stored = await jsm.streams.getMessage(stream, { seq: 2 });
    assert.equal(stored?.header.get('Nats-Msg-Id'), 'b');
    assert.equal(publisher.waiting, 0);
  });

  it("rejects with the stream's reason when another stream takes the subject", async () => {
    await assert.rejects(publish('d', { streamName: 'SOME_OTHER_STREAM' }), /JetStream refused the message .*expected stream does not match/);
  });

  it('rejects at once when no stream takes the subject', async () => {
    const started = Date.now();
    await assert.rejects(publish('e', { to: `${label}.nowhere` }), /no JetStream stream takes messages on/);
    assert.ok(Date.now() - started < 400, 'not by the timeout');
  });

  it('rejects after its timeout when nothing confirms, and keeps nothing waiting', async () => {
    // A plain subscriber, no stream: the server has a responder, so no 503, and no PubAck comes.
    const silent = nc.subscribe(`${label}.silent`);
    try {
      const quick = new JetStreamPublisher(nc, 100);
      const started = Date.now();
      await assert.rejects(publish('f', { to: `${label}.silent`, with: quick }), /no PubAck .* within 100 ms/);
      assert.ok(Date.now() - started < 1_000);
      assert.equal(quick.waiting, 0);
      quick.close();
    } finally {
      silent.unsubscribe();
    }
  });

  it('fails what is still waiting when closed', async () => {
    const closing = new JetStreamPublisher(nc, 60_000);
    const silent = nc.subscribe(`${label}.silent`);
    try {
      const pending = publish('g', { to: `${label}.silent`, with: closing });
      closing.close();
      await assert.rejects(pending, /closed before the stream confirmed/);
    } finally {
      silent.unsubscribe();
    }
  });
});
