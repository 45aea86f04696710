/**
 * How errors appear in logs: type, message, stack, code and cause, and nothing else. pino's
 * default serializer copies every enumerable property, and client libraries attach what they
 * were doing: ioredis puts the failed command with its arguments on a ReplyError (AUTH with the
 * password), pg its connection parameters on some errors. Credentials in URLs inside a message
 * (`scheme://user:password@host`) are masked too, whatever library wrote them.
 */
const CREDENTIALS_IN_URL = /([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]*):([^/@\s]*)@/gi;

export function maskCredentials(text: string): string {
  return text.replace(CREDENTIALS_IN_URL, '$1$2:[redacted]@');
}

export interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  code?: string;
  cause?: SerializedError;
}

export function serializeError(error: unknown, depth = 0): SerializedError | unknown {
  if (!(error instanceof Error)) return typeof error === 'string' ? maskCredentials(error) : error;
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: maskCredentials(error.message),
    ...(error.stack ? { stack: maskCredentials(error.stack) } : {}),
    ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {}),
    ...(error.cause !== undefined && depth < 5 ? { cause: serializeError(error.cause, depth + 1) as SerializedError } : {}),
  };
}
