/** Schemas every resource's routes share: ids, paging, preconditions and the one error shape. */
import { Type, type Static, type TSchema } from 'typebox';
import { PAGE_SIZE_CEILING } from '../settings/dynamic-settings.ts';

/**
 * The schema or null, as one JSON Schema type list rather than a union: query strings and
 * parameters are coerced (src/http/validation.ts), and in a union with null a coercing validator
 * would turn false, 0 or "" into null (or null into "" or 0). Bodies are never coerced.
 */
export function nullable<T extends TSchema>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [(schema as { type?: string }).type, 'null'] });
}

export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const ListQuery = Type.Object({
  /** Cut to the dynamic setting maxPageSize; page.limit in the response says what was used. */
  limit: Type.Integer({ minimum: 1, maximum: PAGE_SIZE_CEILING, default: 20 }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
});

/** The one error shape (src/http/error-schema.ts). */
export { ErrorJson } from '../http/error-schema.ts';

export const IfMatchHeaders = Type.Object({ 'if-match': Type.Optional(Type.String()) });
export const IfNoneMatchHeaders = Type.Object({ 'if-none-match': Type.Optional(Type.String()) });
