/** Request and response schemas of /orders; validation and serialisation derive from them. */
import { Type } from 'typebox';

export const QuoteInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    unitPriceCents: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
    discountPercent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  },
  { additionalProperties: false },
);

export const QuoteJson = Type.Object({
  name: Type.String(),
  quantity: Type.Integer(),
  unitPriceCents: Type.Integer(),
  subtotalCents: Type.Integer(),
  discountCents: Type.Integer(),
  totalCents: Type.Integer(),
});

/** The one error shape (src/http/error-schema.ts). */
export { ErrorJson } from '../http/error-schema.ts';
