/**
 * Operating the server the README's way: every configuration variable reaches it under
 * `pnpm start`, the log is JSON lines on stdout that arrive promptly, production mode creates no
 * development platform, start failures name the variable, metrics stay off the API's port, and
 * the command line explains itself.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, inject, test } from 'vitest';
import { CONFIG_VARIABLES, configDefaults } from '../src/config.js';
import { basic } from './support/harness.js';
import { runCli, runServerOnce, startServerProcess } from './support/process.js';
import { freePort, sandboxCardRequest, temporaryDirectory, temporaryPostgres } from '@raas-customers/test-kit';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const randomKey = () => randomBytes(32).toString('base64url');

let dir: string;
beforeEach(() => {
  dir = temporaryDirectory('raas-operating-').path;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Waits until `predicate` holds, polling; false if it never did within `attempts` × 100 ms. */
async function until(predicate: () => boolean | Promise<boolean>, attempts = 150): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (await predicate()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown> & { msg: string; level: number });

/** `pnpm start` from the repository root, in its own process group (as a terminal runs it). */
function pnpmStart(env: Record<string, string>): { child: ChildProcess; out: () => string; err: () => string } {
  const child = spawn('pnpm', ['start'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { child, out: () => out, err: () => err };
}

describe('pnpm start, the README way', () => {
  test('every variable of config.ts reaches the server with a non-default value and takes effect', async () => {
    const database = await temporaryPostgres(inject('postgresAdminUrl'));
    const [port, metricsPort] = [await freePort(), await freePort()];
    const key = randomKey();
    const env: Record<string, string> = {
      PORT: String(port),
      HOST: '127.0.0.2',
      RAAS_MODE: 'production',
      DATABASE_URL: database.url,
      METRICS_PORT: String(metricsPort),
      METRICS_HOST: '127.0.0.3',
      PG_POOL_MAX: '3',
      PG_CONNECT_TIMEOUT_MS: '1500',
      PG_QUERY_TIMEOUT_MS: '7000',
      LOG_LEVEL: 'debug',
      SHUTDOWN_TIMEOUT_MS: '4321',
      STRICT_BODIES: 'true',
      REQUEST_TIMEOUT_MS: '20000',
      HEADERS_TIMEOUT_MS: '5000',
      MAX_CONNECTIONS: '50',
      AUTH_CACHE_TTL_MS: '0',
      DEPOSIT_PENDING_MS: '1234',
      AUTH_FAILURE_LIMIT: '2',
      AUTH_FAILURE_WINDOW_MS: '600000',
      TRUST_PROXY: '1',
      RAAS_PLATFORM_NAME: 'start-platform',
      RAAS_PLATFORM_KEY: key,
    };
    // A variable added to config.ts must be added here too, with a value that shows it arrived.
    expect(Object.keys(env).sort()).toEqual([...CONFIG_VARIABLES].sort());

    const server = pnpmStart(env);
    try {
      expect(await until(() => server.err().includes('listening on'))).toBe(true);
      expect(server.err()).toContain(`RaaS Customers (production mode) listening on http://127.0.0.2:${port}/raas/v2`);
      const base = `http://127.0.0.2:${port}/raas/v2`;
      // The start's own account of its configuration, on stdout as JSON.
      expect(await until(() => server.out().includes('"msg":"listening"'))).toBe(true);
      const started = jsonLines(server.out()).find((line) => line.msg === 'starting')!;
      expect(started.config).toMatchObject({
        mode: 'production',
        logLevel: 'debug',
        shutdownTimeoutMs: 4321,
        credentialCacheMs: 0,
        depositPendingMs: 1234,
        strictBodies: true,
        // Their effects are proved in review.test.ts; here, that they arrive.
        connections: { requestTimeoutMs: 20000, headersTimeoutMs: 5000, max: 50 },
        trustProxy: 1,
        postgres: { poolMax: 3, connectTimeoutMs: 1500, queryTimeoutMs: 7000 },
        authFailures: { limit: 2, windowMs: 600000 },
        metrics: { port: metricsPort, host: '127.0.0.3' },
        platform: 'start-platform',
      });
      expect(server.out()).not.toContain(key);
      expect(server.out()).not.toContain(new URL(database.url).password || '\u0000');

      // The configured platform works; two wrong keys and the third failure is throttled
      // (AUTH_FAILURE_LIMIT), for the window at most (AUTH_FAILURE_WINDOW_MS: ten minutes, not the
      // default minute; long enough that no slowness of the machine ends it mid-test).
      const ok = await fetch(`${base}/customers`, { headers: { authorization: basic({ name: 'start-platform', key }) } });
      expect(ok.status).toBe(200);
      const failing = async (client: string) => {
        const headers = { authorization: basic({ name: 'start-platform', key: randomKey() }), 'x-forwarded-for': client };
        const statuses: number[] = [];
        let retryAfter: string | null = null;
        for (let i = 0; i < 3; i++) {
          const response = await fetch(`${base}/customers`, { headers });
          statuses.push(response.status);
          retryAfter = response.headers.get('retry-after') ?? retryAfter;
        }
        return { statuses, retryAfter: Number(retryAfter) };
      };
      const first = await failing('203.0.113.7');
      expect(first.statuses).toEqual([401, 401, 429]);
      expect(first.retryAfter).toBeGreaterThan(60);
      expect(first.retryAfter).toBeLessThanOrEqual(600);
      // TRUST_PROXY=1: the address comes from X-Forwarded-For, so another client has its own count.
      expect((await failing('203.0.113.8')).statuses).toEqual([401, 401, 429]);

      // AUTH_CACHE_TTL_MS=0: a key the CLI adds now works on the very next request.
      const added = await runCli(['credential', 'create', 'start-platform'], { DATABASE_URL: database.url });
      const addedKey = /platform key:\s+(\S+)/.exec(added.stdout)?.[1] ?? '';
      expect(
        (await fetch(`${base}/customers`, { headers: { authorization: basic({ name: 'start-platform', key: addedKey }) } })).status,
      ).toBe(200);

      // Metrics on their own host and port, with the pool's configured size.
      const metrics = await (await fetch(`http://127.0.0.3:${metricsPort}/metrics`)).text();
      expect(metrics).toContain('raas_database_pool_connections{state="max"} 3');
      expect(metrics).toMatch(/raas_build_info\{[^}]*store="postgres",mode="production"\} 1/);
      expect(metrics).toMatch(/raas_http_request_duration_seconds_count\{operation_id="listCustomers",method="GET",status="200"\} 2/);
      expect(metrics).toContain('raas_auth_failures_total 4');
      expect(metrics).toContain('raas_auth_throttled_total 2');
      // STRICT_BODIES=true: a property the spec does not name is a 400, not ignored.
      const strict = await fetch(`${base}/customers`, {
        method: 'POST',
        headers: { authorization: basic({ name: 'start-platform', key }), 'content-type': 'application/json' },
        body: JSON.stringify({ customerIdentifier: 'strict-customer', displayName: 'Strict customer', accountIdentifier: 'typo' }),
      });
      expect(strict.status).toBe(400);
      // DEPOSIT_PENDING_MS=1234: a pending sandbox deposit (1001.00) is decided after 1.234 s, not 5.
      const auth = { authorization: basic({ name: 'start-platform', key }), 'content-type': 'application/json' };
      const post = async (path: string, body: unknown) =>
        (await fetch(`${base}${path}`, { method: 'POST', headers: auth, body: JSON.stringify(body) })).json() as Promise<
          Record<string, string>
        >;
      await post('/customers', { customerIdentifier: 'pending-customer', displayName: 'Pending customer' });
      await post('/customers/pending-customer/accounts', {
        accountIdentifier: 'pending-pool',
        displayName: 'Pending pool',
        contactEmail: 'a@acme.example',
      });
      const registered = await post('/creditCards', sandboxCardRequest('pending-customer', 'pending-pool', { label: 'Card' }));
      const pending = await post('/creditCardDeposits', {
        customerIdentifier: 'pending-customer',
        accountIdentifier: 'pending-pool',
        creditCardToken: registered.token,
        amount: 1001,
      });
      expect(pending.status).toBe('PENDING');
      const read = async () =>
        ((await (await fetch(`${base}/creditCardDeposits/${pending.referenceDepositID}`, { headers: auth })).json()) as { status: string })
          .status;
      expect(await until(async () => (await read()) === 'SUCCESS', 100)).toBe(true);
      expect(Date.now() - Date.parse(pending.createdDate ?? '')).toBeGreaterThanOrEqual(1234);
      // LOG_LEVEL=debug: the logger writes at debug (the start's own debug line).
      expect(jsonLines(server.out()).some((line) => line.level === 20)).toBe(true);
      expect((await fetch(`http://127.0.0.2:${port}/metrics`)).status).toBe(404);
    } finally {
      // Ctrl-C: the terminal signals the whole group. Should it not stop (the test failed
      // midway), nothing is left running: the group is killed after a generous wait.
      if (server.child.exitCode === null) process.kill(-server.child.pid!, 'SIGINT');
      const killer = setTimeout(() => process.kill(-server.child.pid!, 'SIGKILL'), 30_000);
      if (server.child.exitCode === null && server.child.signalCode === null) await once(server.child, 'exit');
      clearTimeout(killer);
    }
    const code = server.child.exitCode;
    expect(code).toBe(0);
    expect(server.err()).not.toMatch(/ELIFECYCLE|ERR_PNPM|failed/i);
    expect(jsonLines(server.out()).at(-1)?.msg).toBe('stopped');
    await database.drop();
  });

  test('a refused value stops pnpm start, naming the variable', async () => {
    const server = pnpmStart({ TRUST_PROXY: 'true', DATABASE_URL: join(dir, 'raas.db') });
    const [code] = (await once(server.child, 'exit')) as [number | null];
    expect(code).not.toBe(0);
    expect(server.err()).toContain('TRUST_PROXY');
  });

  test('the README configuration table lists exactly the variables of config.ts', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const section = readme.split('## Configuration')[1]!.split('\n## ')[0]!;
    const rows = section.split('\n').filter((line) => line.startsWith('| `'));
    const documented = rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!));
    expect(documented.sort()).toEqual([...CONFIG_VARIABLES].sort());
    // And their defaults: `a`, `b` for a row of two variables; — or "off" for none.
    const defaults = configDefaults();
    for (const row of rows) {
      const [names, column] = [row.split('|')[1]!, row.split('|')[2]!.trim()];
      const variables = [...names.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!);
      const given = column.split(',').map((entry) => /`([^`]*)`/.exec(entry)?.[1]);
      for (const [i, variable] of variables.entries()) expect(given[i] ?? given[0], variable).toBe(defaults[variable]);
    }
  });

  test('turbo passes every variable the tests read to pnpm test (its strict environment drops the rest)', () => {
    const turbo = JSON.parse(readFileSync(join(repoRoot, 'turbo.json'), 'utf8')) as { tasks: { test: { env: string[] } } };
    const patterns = turbo.tasks.test.env.map((entry) => new RegExp(`^${entry.replace('*', '.*')}$`));
    const sources = [
      'apps/server/test',
      'apps/server/test/support',
      'packages/client/test',
      'openapi/test',
      'apps/docs/test',
      'apps/bench/test',
    ]
      .map((folder) => join(repoRoot, folder))
      .filter(existsSync)
      .flatMap((folder) =>
        readdirSync(folder)
          .filter((file) => file.endsWith('.ts'))
          .map((file) => readFileSync(join(folder, file), 'utf8')),
      );
    const read = new Set(sources.flatMap((source) => [...source.matchAll(/process\.env\.([A-Z_]+)/g)].map((m) => m[1]!)));
    read.delete('PATH');
    expect(read.size).toBeGreaterThan(0);
    for (const variable of read)
      expect(
        patterns.some((pattern) => pattern.test(variable)),
        variable,
      ).toBe(true);
  });
});

describe('logs', () => {
  test('stdout carries JSON lines only, and a quiet server writes its lines by the flush timer, without further traffic', async () => {
    const key = randomKey();
    const server = await startServerProcess({
      DATABASE_URL: join(dir, 'raas.db'),
      LOG_LEVEL: 'info',
      RAAS_PLATFORM_NAME: 'log-platform',
      RAAS_PLATFORM_KEY: key,
    });
    try {
      const response = await fetch(`${server.baseUrl}/customers`, { headers: { authorization: basic({ name: 'log-platform', key }) } });
      expect(response.status).toBe(200);
      const id = response.headers.get('x-request-id');
      // No more traffic: the timer, not a full buffer, must write the request's line.
      expect(await until(() => server.stdout().includes(String(id)), 50)).toBe(true);
      // SIGKILL now loses nothing already acknowledged in the log.
      server.child.kill('SIGKILL');
      await once(server.child, 'exit');
      const lines = jsonLines(server.stdout());
      expect(lines.map((line) => line.msg)).toEqual(['starting', 'listening', 'request completed']);
    } finally {
      await server.stop();
    }
  });

  test('production mode creates no development platform, writes no key, and says how to create a platform', async () => {
    const server = await startServerProcess({ DATABASE_URL: join(dir, 'raas.db'), LOG_LEVEL: 'info', RAAS_MODE: 'production' });
    expect(await server.stop()).toBe(0);
    expect(server.stderr()).not.toContain('platform key');
    expect(server.stdout()).not.toMatch(/platform key|dev-platform/);
    const warning = jsonLines(server.stdout()).find((line) => line.level === 40);
    expect(warning?.msg).toContain('platform create');
    const cli = await runCli(['platform', 'list'], { DATABASE_URL: join(dir, 'raas.db') });
    expect(cli.stdout).toBe('');
  });
});

describe('start failures name the variable and the cause, on one line, without a stack', () => {
  const expectOneLine = (stderr: string, variable: string) => {
    const lines = stderr.trim().split('\n');
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toContain(variable);
    expect(stderr).not.toMatch(/^\s+at /m);
  };

  test('a port in use: nothing provisioned, no development key shown', async () => {
    const holder = createServer().listen(0, '127.0.0.1');
    await once(holder, 'listening');
    const { port } = holder.address() as { port: number };
    try {
      const { code, stderr } = await runServerOnce({ DATABASE_URL: join(dir, 'raas.db'), PORT: String(port), HOST: '127.0.0.1' });
      expect(code).toBe(1);
      expectOneLine(stderr, 'PORT');
      expect(stderr).toContain('EADDRINUSE');
      expect((await runCli(['platform', 'list'], { DATABASE_URL: join(dir, 'raas.db') })).stdout).toBe('');
    } finally {
      holder.close();
    }
  });

  test('PostgreSQL unreachable, or refusing the user: the password is never printed', async () => {
    const unreachable = await runServerOnce({
      DATABASE_URL: 'postgres://raas:s3cret-Passw0rd@127.0.0.1:1/raas',
      PG_CONNECT_TIMEOUT_MS: '500',
    });
    expect(unreachable.code).toBe(1);
    expectOneLine(unreachable.stderr, 'DATABASE_URL');
    expect(unreachable.stderr).toContain('ECONNREFUSED');
    expect(unreachable.stderr).not.toContain('s3cret-Passw0rd');

    const admin = new URL(inject('postgresAdminUrl'));
    admin.username = 'no-such-role';
    admin.password = 's3cret-Passw0rd';
    const refused = await runServerOnce({ DATABASE_URL: admin.toString() });
    expect(refused.code).toBe(1);
    expectOneLine(refused.stderr, 'DATABASE_URL');
    expect(refused.stderr).toContain('28000');
    expect(refused.stderr).not.toContain('s3cret-Passw0rd');
  });

  test.each([
    ['an unwritable place', () => 'file:/proc/raas.db', 'cannot open the SQLite database'],
    ['a folder that does not exist (not created)', () => join(dir, 'missing', 'raas.db'), 'does not exist'],
    ['neither a path nor a URL', () => 'not a url', 'file path'],
  ])('DATABASE_URL: %s', async (_case, url, message) => {
    const { code, stderr } = await runServerOnce({ DATABASE_URL: url() });
    expect(code).toBe(1);
    expect(stderr).toContain('DATABASE_URL');
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });
});

describe('the command line', () => {
  test('--help for the program and for each command; a bad command exits 2 with the usage', async () => {
    const env = { DATABASE_URL: join(dir, 'raas.db') };
    const help = await runCli(['--help'], env);
    expect(help.code).toBe(0);
    for (const command of ['serve', 'platform create', 'platform list', 'credential create', 'credential list', 'credential revoke']) {
      expect(help.stdout).toContain(`raas ${command}`);
      const one = await runCli([...command.split(' '), '--help'], env);
      expect(one.code, command).toBe(0);
      expect(one.stdout).toContain(`raas ${command}`);
    }
    for (const args of [
      ['platform', 'explode'],
      ['explode', '--help'],
    ]) {
      const bad = await runCli(args, env);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr).toContain(`unknown command "${args[0] === 'platform' ? 'platform explode' : 'explode'}"`);
      expect(bad.stderr).toContain('usage:');
    }
  });

  test("pnpm raas, as the README runs it: --help works, and the output is the command's alone", () => {
    const run = (args: string[]) => {
      const child = spawnSync('pnpm', ['--silent', 'raas', ...args], {
        cwd: repoRoot,
        env: { ...process.env, DATABASE_URL: join(dir, 'raas.db') },
        encoding: 'utf8',
      });
      return { code: child.status, stdout: child.stdout, stderr: child.stderr };
    };
    const help = run(['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain('raas credential revoke <keyId>');
    expect(run(['credential', 'create', '--help'])).toMatchObject({ code: 0, stderr: '' });
    // No build noise on either stream.
    expect(run(['platform', 'list'])).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});
