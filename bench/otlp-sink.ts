/**
 * The OTLP receiver the tracing benchmark exports to: accepts OTLP/HTTP exports like a collector
 * would (200, empty response) and counts them. It runs in a process of its own pinned to the load
 * generator's core (pinning.ts), as a collector would run beside the service rather than on its
 * core: in the bench process, unpinned, the scheduler could run it on the service's core, and the
 * service's throughput would then pay for the receiver's parsing too.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { LOADGEN_CPU, pinned } from './pinning.js';

export interface OtlpSinkCounts {
  requests: number;
  bytes: number;
  /** Spans in the exports received (OTLP protobuf: ResourceSpans → ScopeSpans → Span). */
  spans: number;
  /** Those of kind SERVER: one per traced request, whatever its child spans. */
  serverSpans: number;
}

export interface OtlpSink {
  endpoint: string;
  counts(): Promise<OtlpSinkCounts>;
  close(): Promise<void>;
}

/**
 * GET /counts answers what was received so far; every other request is an export, whose spans
 * and server spans it counts by walking the protobuf's fields (no schema, no decoding of values):
 * the bench compares the server spans with the traced requests made, since a batch processor whose
 * queue overflows drops spans, and dropped spans cost the service less than exported ones.
 */
const SINK_SOURCE = `
import { createServer } from 'node:http';
const counts = { requests: 0, bytes: 0, spans: 0, serverSpans: 0 };
function varint(buffer, at) {
  let value = 0, scale = 1, byte;
  do { byte = buffer[at.i++]; value += (byte & 0x7f) * scale; scale *= 128; } while (byte & 0x80);
  return value;
}
function eachField(buffer, start, end, visit, visitVarint = () => undefined) {
  const at = { i: start };
  while (at.i < end) {
    const key = varint(buffer, at);
    const wire = key % 8;
    if (wire === 2) { const length = varint(buffer, at); visit(Math.floor(key / 8), at.i, at.i + length); at.i += length; }
    else if (wire === 0) visitVarint(Math.floor(key / 8), varint(buffer, at));
    else if (wire === 1) at.i += 8;
    else if (wire === 5) at.i += 4;
    else throw new Error('unexpected wire type ' + wire);
  }
}
const SPAN_KIND_FIELD = 6;
const SPAN_KIND_SERVER = 2;
function countSpans(body) {
  eachField(body, 0, body.length, (field, start, end) => field === 1 && eachField(body, start, end, (field, start, end) => field === 2 && eachField(body, start, end, (field, start, end) => {
    if (field !== 2) return;
    counts.spans += 1;
    eachField(body, start, end, () => undefined, (field, value) => { if (field === SPAN_KIND_FIELD && value === SPAN_KIND_SERVER) counts.serverSpans += 1; });
  })));
}
const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/counts') return response.end(JSON.stringify(counts));
  const chunks = [];
  request.on('data', (chunk) => { counts.bytes += chunk.length; chunks.push(chunk); });
  request.on('end', () => {
    counts.requests += 1;
    countSpans(Buffer.concat(chunks));
    response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));
process.stdin.on('end', () => process.exit(0)).resume();
`;

function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    request(url, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (error) {
          reject(error);
        }
      });
    })
      .on('error', reject)
      .end();
  });
}

export async function startOtlpSink(): Promise<OtlpSink> {
  const [command, args] = pinned(LOADGEN_CPU, process.execPath, ['--input-type=module', '-e', SINK_SOURCE]);
  // stdin is the sink's lifeline: it exits when the bench closes it, or dies.
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const match = /^listening (\d+)$/m.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`the OTLP receiver exited with ${String(code)} before listening`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    counts: async () => (await getJson(`${endpoint}/counts`)) as OtlpSinkCounts,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.stdin.end();
      await exited;
    },
  };
}
