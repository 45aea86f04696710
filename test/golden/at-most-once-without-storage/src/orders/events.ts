/**
 * The events this service publishes, as schemas: the AsyncAPI document (docs/asyncapi.yaml) is
 * derived from them, and the tests check the events the code writes against them.
 */
import { Type } from 'typebox';

export const OrderAdjustedEvent = Type.Object(
  {
    orderId: Type.String(),
    delta: Type.Integer(),
    quantity: Type.Integer(),
    version: Type.Integer(),
    /** The id of the adjust command that made the change. */
    commandId: Type.String(),
  },
  { additionalProperties: false },
);

/** Event type (also the routing key / subject suffix) → the schema of its `data`. */
export const PUBLISHED_EVENTS = {
  'order.adjusted': OrderAdjustedEvent,
};
