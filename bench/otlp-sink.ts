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
}

export interface OtlpSink {
  endpoint: string;
  counts(): Promise<OtlpSinkCounts>;
  close(): Promise<void>;
}

/** GET /counts answers what was received so far; every other request is an export. */
const SINK_SOURCE = `
import { createServer } from 'node:http';
const counts = { requests: 0, bytes: 0 };
const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/counts') return response.end(JSON.stringify(counts));
  request.on('data', (chunk) => (counts.bytes += chunk.length));
  request.on('end', () => {
    counts.requests += 1;
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
