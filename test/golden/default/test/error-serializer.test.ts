import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskCredentials, serializeError } from '../src/error-serializer.ts';

describe('serializeError', () => {
  it('keeps what identifies an error and drops what a client library attached (a Redis AUTH with its password)', () => {
    const replyError = Object.assign(new Error('WRONGPASS invalid username-password pair or user is disabled.'), {
      name: 'ReplyError',
      command: { name: 'auth', args: ['s3cret-password'] },
      code: 'WRONGPASS',
    });
    const serialized = JSON.stringify(serializeError(new Error('cache unavailable', { cause: replyError })));
    assert.doesNotMatch(serialized, /s3cret/);
    assert.match(serialized, /WRONGPASS invalid username-password pair/);
  });

  it('masks passwords in URLs inside messages and stacks', () => {
    assert.equal(maskCredentials('connect to redis://:hunter2@cache:6380 failed'), 'connect to redis://:[redacted]@cache:6380 failed');
    assert.equal(maskCredentials('amqps://user:p%40ss@broker:5671/vhost'), 'amqps://user:[redacted]@broker:5671/vhost');
    assert.doesNotMatch(JSON.stringify(serializeError(new Error('postgres://app:topsecret@db/app refused'))), /topsecret/);
  });
});
