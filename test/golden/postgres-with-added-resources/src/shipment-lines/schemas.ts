/**
 * Request and response schemas of /shipment-lines, derived from the fields given to
 * `microforge add resource shipment-line`; validation and serialisation follow from them.
 * Optional fields may be left out or null in a request and are null in responses when unset.
 */
import { Type, type Static } from 'typebox';
import { nullable } from '../resources/http-schemas.ts';

export const ShipmentLineInput = Type.Object(
  {
    label: Type.Optional(nullable(Type.String({ maxLength: 200 }))),
    notes: Type.String({ maxLength: 100000 }),
    quantity: Type.Optional(nullable(Type.Integer({ minimum: -2_147_483_648, maximum: 2_147_483_647 }))),
    weight: Type.Number(),
    done: Type.Optional(nullable(Type.Boolean())),
    shippedAt: Type.String({ format: 'date-time' }),
    ref: Type.Optional(nullable(Type.String({ format: 'uuid' }))),
  },
  { additionalProperties: false },
);
export type ShipmentLineInput = Static<typeof ShipmentLineInput>;

export const ShipmentLineJson = Type.Object({
  id: Type.String({ format: 'uuid' }),
  label: nullable(Type.String()),
  notes: Type.String(),
  quantity: nullable(Type.Integer()),
  weight: Type.Number(),
  done: nullable(Type.Boolean()),
  shippedAt: Type.String({ format: 'date-time' }),
  ref: nullable(Type.String({ format: 'uuid' })),
  version: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type ShipmentLineJson = Static<typeof ShipmentLineJson>;

export const ShipmentLinePage = Type.Object({
  data: Type.Array(ShipmentLineJson),
  page: Type.Object({
    limit: Type.Integer(),
    offset: Type.Integer(),
    /** Offset of the next page, or null on the last page. */
    nextOffset: Type.Union([Type.Integer(), Type.Null()]),
  }),
});
