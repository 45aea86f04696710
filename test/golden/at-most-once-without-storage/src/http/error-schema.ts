/** The one error shape as a response schema, so every route serialises errors the same way. */
import { Type } from 'typebox';

/** One rejected input: where it was, which property, and what is wrong with it. */
export const ValidationDetail = Type.Object({
  in: Type.String({ description: 'body, querystring, params or headers' }),
  /** A JSON pointer into that part, '' for the part as a whole (e.g. a body that is not an object). */
  property: Type.String(),
  message: Type.String(),
});

export const ErrorJson = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    /** Only for validation_failed: every problem of the request, not just the first. */
    details: Type.Optional(Type.Array(ValidationDetail)),
  }),
});
