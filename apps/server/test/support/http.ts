/**
 * Raw HTTP for the reliability and security tests: node:http with nothing normalised (paths,
 * percent-encodings, dot segments and header values are sent exactly as given), a keep-alive
 * agent per server, and a runner that keeps a bounded number of requests in flight.
 */
import { Agent, request } from 'node:http';

export interface RawRequest {
  method: string;
  /** The request target exactly as sent, e.g. `/raas/v2/customers/%2F..?maxResults=1`. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body with Transfer-Encoding: chunked instead of a Content-Length. */
  chunked?: boolean;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed body when it is JSON, else undefined. */
  json: unknown;
  ms: number;
}

/** True when the error is a response cut off after its status line (as opposed to no response at all). */
export function isPartialResponse(error: unknown): boolean {
  return Boolean((error as { partial?: boolean })?.partial);
}

export interface RawClient {
  send(req: RawRequest, timeoutMs?: number): Promise<RawResponse>;
  close(): void;
}

/** A client for the server at `baseUrl` (any URL on it: only host and port are used). */
export function rawClient(baseUrl: string, maxSockets = 8): RawClient {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets });
  return {
    send: (req, timeoutMs = 15_000) => sendRaw(url, agent, req, timeoutMs),
    close: () => agent.destroy(),
  };
}

function sendRaw(url: URL, agent: Agent, req: RawRequest, timeoutMs: number): Promise<RawResponse> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined && !req.chunked) headers['content-length'] = Buffer.byteLength(req.body);
    const outgoing = request({ host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      // The status line arrived but the body did not end: a cut-off answer, not a missing one.
      const cut = (error: Error) => reject(Object.assign(error, { partial: true, status: res.statusCode }));
      res.on('error', cut);
      res.on('aborted', () => cut(new Error('response aborted')));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        if (String(res.headers['content-type'] ?? '').includes('json')) {
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, ms: performance.now() - started });
      });
    });
    outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.on('error', reject);
    if (req.body !== undefined) outgoing.write(req.body);
    outgoing.end();
  });
}

/** Runs `work` over `items` with at most `concurrency` in flight; results keep the items' order. */
export async function inPool<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
