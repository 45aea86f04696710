/**
 * Request and response schemas of /invoices, derived from the fields given to
 * `microforge add resource invoice`; validation and serialisation follow from them.
 * Optional fields may be left out or null in a request and are null in responses when unset.
 */
import { Type, type Static } from 'typebox';
import { nullable } from '../resources/http-schemas.ts';

export const InvoiceInput = Type.Object(
  {
    title: Type.String({ maxLength: 200 }),
    body: Type.Optional(nullable(Type.String({ maxLength: 100000 }))),
    count: Type.Integer({ minimum: -2_147_483_648, maximum: 2_147_483_647 }),
    price: Type.Optional(nullable(Type.Number())),
    paid: Type.Boolean(),
    dueAt: Type.Optional(nullable(Type.String({ format: 'date-time' }))),
    ownerId: Type.String({ format: 'uuid' }),
  },
  { additionalProperties: false },
);
export type InvoiceInput = Static<typeof InvoiceInput>;

export const InvoiceJson = Type.Object({
  id: Type.String({ format: 'uuid' }),
  title: Type.String(),
  body: nullable(Type.String()),
  count: Type.Integer(),
  price: nullable(Type.Number()),
  paid: Type.Boolean(),
  dueAt: nullable(Type.String({ format: 'date-time' })),
  ownerId: Type.String({ format: 'uuid' }),
  version: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type InvoiceJson = Static<typeof InvoiceJson>;

export const InvoicePage = Type.Object({
  data: Type.Array(InvoiceJson),
  page: Type.Object({
    limit: Type.Integer(),
    offset: Type.Integer(),
    /** Offset of the next page, or null on the last page. */
    nextOffset: Type.Union([Type.Integer(), Type.Null()]),
  }),
});
