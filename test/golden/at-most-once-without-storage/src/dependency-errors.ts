/**
 * Whether an error means a dependency (the database, a broker) is unavailable right now rather
 * than that the request or the message is wrong: connection refused or reset, a connect or query
 * deadline passed, the server shutting down or failing over, too many connections. Such failures
 * are worth retrying later: HTTP answers 503 with Retry-After instead of 500, and the command
 * consumer waits for the dependency instead of spending the message's delivery budget.
 */

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** SQLSTATEs of a server that cannot serve now; retrying on another connection, later, works. */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown (pg_terminate_backend, a fast shutdown)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovering)
  '57014', // query_canceled (statement_timeout)
  '53300', // too_many_connections
  '25006', // read_only_sql_transaction (connected to a standby after a failover)
]);

/** What the pg client says when the connection, not the statement, failed. */
const CLIENT_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /^Query read timeout$/,
  /is not queryable/,
  /^Client was closed and is not queryable/,
];

export function isDependencyUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code)) return true;
      // Class 08: connection exception; class 53: insufficient resources.
      if (/^(08|53)[0-9A-Z]{3}$/.test(code)) return true;
    }
    if (CLIENT_MESSAGES.some((pattern) => pattern.test(current.message))) return true;
    // AggregateError from a connection attempt to several addresses (IPv4 and IPv6).
    if (current instanceof AggregateError && current.errors.some((inner) => isDependencyUnavailable(inner))) return true;
  }
  return false;
}
