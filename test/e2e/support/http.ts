// JSON over HTTP with the global fetch.
export interface HttpResponse<T = unknown> {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  text: string;
  /** Parsed body when it is JSON, otherwise undefined. */
  json: T | undefined;
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as JSON (content-type application/json) unless it is a string. */
  body?: unknown;
  timeoutMs?: number;
}

export async function http<T = unknown>(url: string, opts: HttpOptions = {}): Promise<HttpResponse<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  let body: string | undefined;
  if (opts.body !== undefined) {
    if (typeof opts.body === 'string') body = opts.body;
    else {
      body = JSON.stringify(opts.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
  }
  const res = await fetch(url, {
    method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
  });
  const text = await res.text();
  let json: T | undefined;
  try {
    json = text.length > 0 ? (JSON.parse(text) as T) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: Object.fromEntries(res.headers.entries()), text, json };
}

export const getJson = <T = unknown>(url: string, opts: Omit<HttpOptions, 'method' | 'body'> = {}): Promise<HttpResponse<T>> =>
  http<T>(url, { ...opts, method: 'GET' });

export const postJson = <T = unknown>(url: string, body: unknown, opts: Omit<HttpOptions, 'method' | 'body'> = {}): Promise<HttpResponse<T>> =>
  http<T>(url, { ...opts, method: 'POST', body });

export interface WaitForHttpOptions {
  /** Expected status (default 200); any other status keeps polling. */
  status?: number;
  timeoutMs?: number;
  intervalMs?: number;
  headers?: Record<string, string>;
  /** Give up early (e.g. the server process exited); the returned string is the reason. */
  abortIf?: () => string | undefined;
}

/** Poll url until it answers with the expected status; resolves with that response. */
export async function waitForHttp<T = unknown>(url: string, opts: WaitForHttpOptions = {}): Promise<HttpResponse<T>> {
  const want = opts.status ?? 200;
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let last = 'no attempt';
  for (;;) {
    const reason = opts.abortIf?.();
    if (reason !== undefined) throw new Error(`waitForHttp ${url}: ${reason}`);
    try {
      const res = await http<T>(url, { headers: opts.headers ?? {}, timeoutMs: 2000 });
      if (res.status === want) return res;
      last = `status ${res.status}: ${res.text.slice(0, 300)}`;
    } catch (error) {
      last = String((error as { cause?: unknown }).cause ?? error);
    }
    if (Date.now() >= deadline) throw new Error(`waitForHttp ${url}: no ${want} within ${opts.timeoutMs ?? 30_000} ms (last: ${last})`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}
