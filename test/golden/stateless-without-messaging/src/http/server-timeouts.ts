/**
 * Node's HTTP server timeouts for a request deadline: the whole request (headers and body) must
 * arrive within `requestTimeoutMs`, and Node looks for overdue requests every second (its default
 * is every 30 s, which let a stalled body hold a connection for a minute or more past the deadline).
 */
import type { ServerOptions } from 'node:http';

export function serverTimeouts(requestTimeoutMs: number): ServerOptions {
  return {
    requestTimeout: requestTimeoutMs,
    headersTimeout: requestTimeoutMs,
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(requestTimeoutMs / 4))),
  };
}
