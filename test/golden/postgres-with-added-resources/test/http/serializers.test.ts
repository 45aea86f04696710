/**
 * Response serializers are compiled once per schema: every route and status code that answers
 * with the same schema (ErrorBody, above all) shares one serializer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSerializer } from '../../src/http/serializers.ts';

const ErrorBody = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } },
};
const Item = { type: 'object', properties: { id: { type: 'string' }, quantity: { type: 'integer' } } };

describe('buildSerializer', () => {
  it('compiles a schema once for every route and status code that answers with it', () => {
    const compile = buildSerializer({}, undefined);
    const notFound = compile({ schema: ErrorBody, method: 'GET', url: '/items/:id', httpStatus: '404' });
    const conflict = compile({ schema: ErrorBody, method: 'PUT', url: '/items/:id', httpStatus: '4xx' });
    const item = compile({ schema: Item, method: 'GET', url: '/items/:id', httpStatus: '200' });
    assert.equal(conflict, notFound);
    assert.notEqual(item, notFound);
  });

  it('serializes by the schema it was compiled for, leaving out what the schema does not name', () => {
    const compile = buildSerializer({}, undefined);
    const error = compile({ schema: ErrorBody, method: 'GET', url: '/items/:id', httpStatus: '404' });
    const item = compile({ schema: Item, method: 'GET', url: '/items/:id', httpStatus: '200' });
    assert.deepEqual(JSON.parse(error({ error: { code: 'not_found', message: 'no such item' }, stack: 'secret' })), {
      error: { code: 'not_found', message: 'no such item' },
    });
    assert.equal(item({ id: 'a', quantity: 3, internal: true }), '{"id":"a","quantity":3}');
  });

  it('compiles anew for another application, whose shared schemas may differ', () => {
    const first = buildSerializer({}, undefined)({ schema: Item, method: 'GET', url: '/items/:id', httpStatus: '200' });
    const second = buildSerializer({}, undefined)({ schema: Item, method: 'GET', url: '/items/:id', httpStatus: '200' });
    assert.notEqual(second, first);
  });
});
