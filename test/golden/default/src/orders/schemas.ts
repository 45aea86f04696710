/** Request and response schemas of /orders; validation and serialisation derive from them. */
import { Type, type Static } from 'typebox';
import { PAGE_SIZE_CEILING } from '../settings/dynamic-settings.ts';

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

export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const ListQuery = Type.Object({
  /** Cut to the dynamic setting maxPageSize; page.limit in the response says what was used. */
  limit: Type.Integer({ minimum: 1, maximum: PAGE_SIZE_CEILING, default: 20 }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
});

export const ErrorJson = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});

export const IfMatchHeaders = Type.Object({ 'if-match': Type.Optional(Type.String()) });
export const IfNoneMatchHeaders = Type.Object({ 'if-none-match': Type.Optional(Type.String()) });
