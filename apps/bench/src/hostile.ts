/**
 * Hostile bodies: what one request can cost everyone else. The server is single-threaded, so
 * the time it spends on a request is time its event loop is blocked for every other client.
 * For each kind of request this measures, against our server with production settings:
 *   - its server time: the median round trip of sequential requests on one keep-alive
 *     connection (the loop is blocked for about that long, less the loopback's few µs);
 *   - the delay it causes others: the latency of /healthz probes sent while 8 such requests are
 *     in flight at once.
 * Each is reported beside a normal 400 (a small invalid PATCH), measured in the same run.
 * Target: the worst body within 2× of the normal 400.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { median, serverCli, startServer } from './processes.js';
import { basic, temporaryDirectory } from '@raas-customers/test-kit';

export interface HostileOptions {
  /** Sequential requests per kind, for its server time. */
  sequential: number;
  /** Rounds of 8 concurrent requests per kind, with /healthz probes alongside. */
  rounds: number;
}

export interface HostileRow {
  kind: string;
  status: number;
  bodyBytes: number;
  /** Median round trip of one request on its own, ms. */
  serverMs: number;
  /** Median and worst /healthz latency while 8 of them were in flight, ms. */
  probeP50Ms: number;
  probeMaxMs: number;
  /** serverMs ÷ the normal 400's, and probe p50 ÷ the normal 400's. */
  ratio: number;
  probeRatio: number;
}

const PLATFORM = { name: 'hostile-bench', key: 'y5k0Nq3VtE6rS8wBhHcLxJ2uZpMa9fDgT4iKoW7bYsQ' };
const PATH = '/raas/v2/customers/hostile-customer/accounts/hostile-account';

/** ~5,500 distinct small objects in under 64 KiB: the review's body (maxItems is 50). */
const manyItems = JSON.stringify({ fundingNotification: Array.from({ length: 5_500 }, (_, i) => ({ e: i })) });

interface Kind {
  kind: string;
  auth: 'full' | 'readOnly';
  body: string;
}

const KINDS: Kind[] = [
  { kind: 'normal 400 (invalid display name)', auth: 'full', body: JSON.stringify({ displayName: 'x' }) },
  { kind: 'hostile: 5,500 items over maxItems', auth: 'full', body: manyItems },
  { kind: 'hostile: 5,500 items, read-only credential', auth: 'readOnly', body: manyItems },
  {
    kind: 'hostile: 50 distinct items, each invalid',
    auth: 'full',
    body: JSON.stringify({ fundingNotification: Array.from({ length: 50 }, (_, i) => ({ emailAddress: `${'x'.repeat(1_200)}${i}` })) }),
  },
  {
    kind: 'hostile: 3,000 unknown properties',
    auth: 'full',
    body: JSON.stringify(Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`p${i}`, i]))),
  },
  { kind: 'hostile: a 60 KiB contact email', auth: 'full', body: JSON.stringify({ contactEmail: `${'a'.repeat(60_000)}@x` }) },
];

function send(
  origin: string,
  agent: Agent,
  path: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; ms: number }> {
  const { hostname, port } = new URL(origin);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: hostname,
        port,
        path,
        method,
        agent,
        headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    outgoing.setTimeout(30_000, () => outgoing.destroy(new Error('no answer within 30 s')));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

export async function runHostile(options: HostileOptions, log: (line: string) => void): Promise<HostileRow[]> {
  const dir = temporaryDirectory('raas-hostile-').path;
  // Production mode, as deployed: no sandbox controls, no per-request sandbox lookups.
  const env = { DATABASE_URL: `file:${join(dir, 'raas.db')}`, LOG_LEVEL: 'info', NODE_ENV: 'production', RAAS_MODE: 'production' };
  const cli = (...args: string[]) =>
    execFileSync(process.execPath, [serverCli, ...args], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  const server = await startServer(
    'raas-customers',
    { ...env, PORT: '0', RAAS_PLATFORM_NAME: PLATFORM.name, RAAS_PLATFORM_KEY: PLATFORM.key },
    /listening on (http:\/\/[^/\s]+)/,
  );
  const rows: HostileRow[] = [];
  try {
    const readOnlyKey = /platform key:\s+(\S+)/.exec(cli('credential', 'create', PLATFORM.name, '--read-only'))![1]!;
    const auth = { full: basic(PLATFORM.name, PLATFORM.key), readOnly: basic(PLATFORM.name, readOnlyKey) };
    const seed = new Agent({ keepAlive: true });
    const json = { 'content-type': 'application/json', authorization: auth.full };
    await send(
      server.origin,
      seed,
      '/raas/v2/customers',
      'POST',
      json,
      JSON.stringify({ customerIdentifier: 'hostile-customer', displayName: 'Hostile bench' }),
    );
    await send(
      server.origin,
      seed,
      '/raas/v2/customers/hostile-customer/accounts',
      'POST',
      json,
      JSON.stringify({ accountIdentifier: 'hostile-account', displayName: 'Hostile bench', contactEmail: 'a@acme.example' }),
    );
    seed.destroy();

    const measured: Omit<HostileRow, 'ratio' | 'probeRatio'>[] = [];
    for (const kind of KINDS) {
      const headers = { 'content-type': 'application/json', authorization: auth[kind.auth] };
      const agent = new Agent({ keepAlive: true, maxSockets: 8 });
      const probeAgent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        // Warm-up, then sequential requests on one connection: the server time of each.
        for (let i = 0; i < 5; i++) await send(server.origin, agent, PATH, 'PATCH', headers, kind.body);
        const times: number[] = [];
        let status = 0;
        for (let i = 0; i < options.sequential; i++) {
          const answer = await send(server.origin, agent, PATH, 'PATCH', headers, kind.body);
          times.push(answer.ms);
          status = answer.status;
        }
        // 8 in flight at once, while another client asks /healthz.
        const probes: number[] = [];
        for (let round = 0; round < options.rounds; round++) {
          let done = false;
          const burst = Promise.all(Array.from({ length: 8 }, () => send(server.origin, agent, PATH, 'PATCH', headers, kind.body))).finally(
            () => (done = true),
          );
          do probes.push((await send(server.origin, probeAgent, '/healthz', 'GET', {})).ms);
          while (!done);
          await burst;
        }
        const row = {
          kind: kind.kind,
          status,
          bodyBytes: Buffer.byteLength(kind.body),
          serverMs: median(times),
          probeP50Ms: median(probes),
          probeMaxMs: Math.max(...probes),
        };
        measured.push(row);
        log(
          `  ${row.kind}: ${row.status}, ${row.serverMs.toFixed(2)} ms each; /healthz p50 ${row.probeP50Ms.toFixed(2)} ms, max ${row.probeMaxMs.toFixed(1)} ms`,
        );
      } finally {
        agent.destroy();
        probeAgent.destroy();
      }
    }
    const normal = measured[0]!;
    for (const row of measured)
      rows.push({ ...row, ratio: row.serverMs / normal.serverMs, probeRatio: row.probeP50Ms / normal.probeP50Ms });
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
