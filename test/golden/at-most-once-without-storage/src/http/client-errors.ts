/**
 * Answers for requests that never became requests: a body that stalls past the deadline (408),
 * headers over Node's size limit (431), bytes that are not HTTP (400, e.g. a control character in
 * a header). Node's parser rejects them before any route runs; without this, Fastify answers in
 * a shape of its own, and clients would have to parse two kinds of error.
 */
import type { Socket } from 'node:net';
import { errorBody } from './errors.ts';

// The reason phrases are written here rather than read from node:http's STATUS_CODES: importing
// node:http as an ES module builds its namespace, whose lazy getters load Node's bundled undici
// (fetch, WebSocket), about 40 ms of CPU at every start for three strings.
function answerFor(code: string | undefined): { status: number; reason: string; code: string; message: string } {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { status: 408, reason: 'Request Timeout', code: 'request_timeout', message: 'the request was not received completely before the deadline' };
  if (code === 'HPE_HEADER_OVERFLOW')
    return { status: 431, reason: 'Request Header Fields Too Large', code: 'headers_too_large', message: 'the request headers are larger than the server accepts' };
  return { status: 400, reason: 'Bad Request', code: 'bad_request', message: 'the request is not valid HTTP (e.g. a control character in a header)' };
}

export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection is gone: there is no one to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const answer = answerFor(error.code);
  const body = JSON.stringify(errorBody(answer.code, answer.message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${answer.status} ${answer.reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
