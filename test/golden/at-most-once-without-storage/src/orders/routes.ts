/**
 * /orders: a stateless example. POST /orders/quote validates an order
 * and returns its computed price; nothing is stored.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { quoteOrder } from './quote.ts';
import { ErrorJson, QuoteInput, QuoteJson } from './schemas.ts';

export const ordersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/orders/quote', { schema: { body: QuoteInput, response: { 200: QuoteJson, '4xx': ErrorJson } } }, async (request) => quoteOrder(request.body));
};
