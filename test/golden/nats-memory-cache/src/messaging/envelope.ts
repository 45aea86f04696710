/**
 * The JSON body every command and event carries: `{ "id", "type", "data" }`. The id is also the
 * broker's message id (AMQP messageId / Nats-Msg-Id), so duplicates can be recognised.
 */

export interface Envelope {
  id: string;
  type: string;
  data: unknown;
}

export type ParseResult = { ok: true; envelope: Envelope } | { ok: false; reason: string };

const MAX_ID_LENGTH = 200;

/** Parses and checks the envelope; a failure is a poison message, never worth a retry. */
export function parseEnvelope(body: Buffer, messageId: string | undefined): ParseResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'body is not valid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, reason: 'body is not a JSON object' };
  }
  const { id, type, data } = parsed as Record<string, unknown>;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    return { ok: false, reason: `"id" must be a non-empty string of at most ${MAX_ID_LENGTH} characters` };
  }
  if (messageId !== undefined && messageId !== id) {
    return { ok: false, reason: `"id" ${id} differs from the message id ${messageId}` };
  }
  if (typeof type !== 'string' || type.length === 0) return { ok: false, reason: '"type" must be a non-empty string' };
  return { ok: true, envelope: { id, type, data } };
}

export function encodeEnvelope(envelope: Envelope): Buffer {
  return Buffer.from(JSON.stringify(envelope), 'utf8');
}
