/** Request and response schemas of /orders; validation and serialisation derive from them. */
import { Type, type Static } from 'typebox';

export const OrderInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    quantity: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }),
  },
  { additionalProperties: false },
);
export type OrderInput = Static<typeof OrderInput>;

export const OrderJson = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  quantity: Type.Integer(),
  version: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type OrderJson = Static<typeof OrderJson>;

export const OrderPage = Type.Object({
  data: Type.Array(OrderJson),
  page: Type.Object({
    limit: Type.Integer(),
    offset: Type.Integer(),
    /** Offset of the next page, or null on the last page. */
    nextOffset: Type.Union([Type.Integer(), Type.Null()]),
  }),
});

export { ErrorJson, IdParams, IfMatchHeaders, IfNoneMatchHeaders, ListQuery } from '../resources/http-schemas.ts';
