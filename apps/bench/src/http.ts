/**
 * The server under load beside what a user could run instead, on the same routes, load and
 * machine: raw node:http (the physical floor), bare Express 5 (the framework floor) and Prism
 * mocking our own spec (the usual local sandbox). Each server is a child process, so its CPU
 * time per request and peak memory are its own.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { type Running, median, serverCli, startProcess, startServer } from './processes.js';
import { basic, cpuMicros, freePort, peakRssMb, temporaryDirectory } from '@raas-customers/test-kit';

export interface HttpOptions {
  connections: number[];
  /** Seconds per measured run; each (server, scenario, connections) is run `repeats` times after a warm-up. */
  duration: number;
  warmup: number;
  repeats: number;
  servers: ServerName[];
}

export type ServerName = 'raas-customers' | 'raw node:http' | 'bare Express 5' | 'Prism mock';

export interface HttpRow {
  server: ServerName;
  scenario: string;
  connections: number;
  requestsPerSecond: number;
  /** Lowest and highest req/s of the repeats: the spread the median hides. */
  spread: [number, number];
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerRequest: number;
  non2xx: number;
  /** Connections that failed (reset, refused): never expected from our server. */
  errors: number;
  /** Requests that got no answer within autocannon's timeout: a matter of load, reported only. */
  timeouts: number;
}

const require = createRequire(import.meta.url);
const specYaml = require.resolve('@raas-customers/openapi/openapi.yaml');
const prismBin = join(require.resolve('@stoplight/prism-cli/package.json'), '../dist/index.js');
const tsx = ['--import', 'tsx'];
const baseline = (file: string) => fileURLToPath(new URL(`./baselines/${file}`, import.meta.url));

const READ = { name: 'bench-read', key: 'LEb8sS_0HwO5q0p3N2aeXx2FQ9lo4VRgHNgVyU8ee40' };
const runId = randomBytes(3).toString('hex');
let counter = 0;

interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  writes: boolean;
  body?: () => string;
}

export const SCENARIOS: Scenario[] = [
  { name: 'GET one customer (2 accounts)', method: 'GET', path: '/customers/bench-customer-000', writes: false },
  {
    name: 'POST a new customer',
    method: 'POST',
    path: '/customers',
    writes: true,
    body: () => JSON.stringify({ customerIdentifier: `bench-${runId}-${counter++}`, displayName: 'Bench customer' }),
  },
  {
    name: 'POST an account',
    method: 'POST',
    path: '/customers/bench-writer/accounts',
    writes: true,
    // Account display names are unique on a platform, like the identifiers.
    body: () => {
      const n = counter++;
      return JSON.stringify({
        accountIdentifier: `bench-${runId}-${n}`,
        displayName: `Bench account ${runId} ${n}`,
        contactEmail: 'bench@acme.example',
      });
    },
  },
  { name: 'GET 100 customers', method: 'GET', path: '/customers', writes: false },
];

interface Target extends Running {
  readAuth: string;
  writeAuth: string;
  /** Prism mocks the spec's paths at its root, without the servers' /raas/v2. */
  basePath: string;
}

/** Our server, production settings: SQLite with synchronous=FULL, auth, validation, logging on. */
async function startOurs(dir: string): Promise<{ target: Target; bodies: Record<string, unknown> }> {
  // Production mode, as deployed: no sandbox controls, no per-request sandbox lookups.
  const env = { DATABASE_URL: `file:${join(dir, 'raas.db')}`, LOG_LEVEL: 'info', NODE_ENV: 'production', RAAS_MODE: 'production' };
  const created = execFileSync(process.execPath, [serverCli, 'platform', 'create', 'bench-write'], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
  });
  const writeKey = /platform key:\s+(\S+)/.exec(created)![1]!;
  const running = await startServer(
    'raas-customers',
    { ...env, PORT: '0', RAAS_PLATFORM_NAME: READ.name, RAAS_PLATFORM_KEY: READ.key },
    /listening on (http:\/\/[^/\s]+)/,
  );
  const readAuth = basic(READ.name, READ.key);
  const writeAuth = basic('bench-write', writeKey);
  const post = async (path: string, auth: string, body: object) => {
    const response = await fetch(`${running.origin}${path}`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 201) throw new Error(`seeding ${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<unknown>;
  };
  for (let i = 0; i < 100; i++) {
    await post('/raas/v2/customers', readAuth, {
      customerIdentifier: `bench-customer-${String(i).padStart(3, '0')}`,
      displayName: 'Bench customer',
    });
  }
  for (const accountIdentifier of ['bench-account-a', 'bench-account-b']) {
    await post('/raas/v2/customers/bench-customer-000/accounts', readAuth, {
      accountIdentifier,
      displayName: `Bench account ${accountIdentifier}`,
      contactEmail: 'bench@acme.example',
    });
  }
  const createdCustomer = await post('/raas/v2/customers', writeAuth, { customerIdentifier: 'bench-writer', displayName: 'Bench writer' });
  const createdAccount = await post('/raas/v2/customers/bench-writer/accounts', writeAuth, {
    accountIdentifier: 'bench-writer-first',
    displayName: 'Bench writer first',
    contactEmail: 'bench@acme.example',
  });
  const get = async (path: string) => (await fetch(`${running.origin}${path}`, { headers: { authorization: readAuth } })).json();
  const bodies = {
    customer: await get('/raas/v2/customers/bench-customer-000'),
    list: await get('/raas/v2/customers'),
    createdCustomer,
    createdAccount,
  };
  return { target: { ...running, readAuth, writeAuth, basePath: '/raas/v2' }, bodies };
}

/**
 * Prism takes no port 0, so it is given one that was free a moment ago. Another process (a test
 * server, an outgoing connection) may take it in between, and Prism then only says "fatal": a
 * few more tries, each on a fresh port, make that collision irrelevant.
 */
async function startPrism(attempts = 3): Promise<Running> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startProcess(
        'Prism mock',
        process.execPath,
        [prismBin, 'mock', specYaml, '--host', '127.0.0.1', '--port', String(await freePort()), '--errors', 'false'],
        { NODE_ENV: 'production' },
        /Prism is listening on (http:\/\/[^/\s]+)/,
      );
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
  }
}

async function startBaseline(name: ServerName, bodiesFile: string): Promise<Target> {
  const auth = basic(READ.name, READ.key);
  const ready = /listening on (http:\/\/[^/\s]+)/;
  let running: Running;
  if (name === 'raw node:http') {
    running = await startProcess(name, process.execPath, [...tsx, baseline('raw-http.ts')], { BENCH_BODIES: bodiesFile }, ready);
  } else if (name === 'bare Express 5') {
    running = await startProcess(
      name,
      process.execPath,
      [...tsx, baseline('bare-express.ts')],
      { BENCH_BODIES: bodiesFile, NODE_ENV: 'production' },
      ready,
    );
  } else {
    running = await startPrism();
  }
  return { ...running, readAuth: auth, writeAuth: auth, basePath: name === 'Prism mock' ? '' : '/raas/v2' };
}

async function load(target: Target, scenario: Scenario, connections: number, duration: number) {
  const headers: Record<string, string> = { authorization: scenario.writes ? target.writeAuth : target.readAuth };
  if (scenario.body) headers['content-type'] = 'application/json';
  const cpuBefore = cpuMicros(target.child.pid!);
  const result = await autocannon({
    url: target.origin,
    connections,
    duration,
    requests: [
      {
        method: scenario.method,
        path: target.basePath + scenario.path,
        headers,
        ...(scenario.body ? { setupRequest: (request: autocannon.Request) => ({ ...request, body: scenario.body!() }) } : {}),
      },
    ],
  });
  const cpu = cpuMicros(target.child.pid!) - cpuBefore;
  const total = result.requests.total;
  return {
    requestsPerSecond: total / duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    cpuMicrosPerRequest: total > 0 ? cpu / total : Number.NaN,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

export async function runHttp(
  options: HttpOptions,
  log: (line: string) => void,
): Promise<{ rows: HttpRow[]; peakRssMb: Record<string, number> }> {
  const dir = temporaryDirectory('raas-bench-').path;
  const rows: HttpRow[] = [];
  const peaks: Record<string, number> = {};
  try {
    const ours = await startOurs(dir);
    const bodiesFile = join(dir, 'bodies.json');
    writeFileSync(bodiesFile, JSON.stringify(ours.bodies));
    for (const name of options.servers) {
      const target = name === 'raas-customers' ? ours.target : await startBaseline(name, bodiesFile);
      try {
        for (const scenario of SCENARIOS) {
          for (const connections of options.connections) {
            if (options.warmup > 0) await load(target, scenario, connections, options.warmup);
            const runs = [];
            for (let i = 0; i < options.repeats; i++) runs.push(await load(target, scenario, connections, options.duration));
            const rps = runs.map((r) => r.requestsPerSecond);
            const row: HttpRow = {
              server: name,
              scenario: scenario.name,
              connections,
              requestsPerSecond: median(rps),
              spread: [Math.min(...rps), Math.max(...rps)],
              p50Ms: median(runs.map((r) => r.p50Ms)),
              p99Ms: median(runs.map((r) => r.p99Ms)),
              cpuMicrosPerRequest: median(runs.map((r) => r.cpuMicrosPerRequest)),
              non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
              errors: runs.reduce((sum, r) => sum + r.errors, 0),
              timeouts: runs.reduce((sum, r) => sum + r.timeouts, 0),
            };
            rows.push(row);
            log(`  ${name} | ${scenario.name} | c=${connections}: ${row.requestsPerSecond.toFixed(0)} req/s, p99 ${row.p99Ms} ms`);
          }
        }
        peaks[name] = peakRssMb(target.child.pid!);
      } finally {
        await target.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { rows, peakRssMb: peaks };
}
