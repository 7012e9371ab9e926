/** The server as a process: configuration, first start, persistence, logs and graceful shutdown. */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readConfig } from '../src/config.js';
import { MIN_KEY_BITS, keyStrengthBits } from '../src/auth/credentials.js';
import { runServerOnce, startServerProcess } from './support/process.js';
import { basic, temporaryDirectory } from '@raas-customers/test-kit';

let dir: string;
beforeEach(() => {
  dir = temporaryDirectory('raas-process-').path;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const KEY = '7unisYGVTQcZ9qkk-YiWrgxEbDMeQvwT3zcRXX5YGDE';

describe('configuration', () => {
  test.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ TRUST_PROXY: 'true' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: 'yes' }, 'TRUST_PROXY'],
    [{ STRICT_BODIES: 'yes' }, 'STRICT_BODIES'],
    [{ DATABASE_URL: 'mysql://db/raas' }, 'DATABASE_URL'],
    [{ RAAS_PLATFORM_NAME: 'acme-platform' }, 'RAAS_PLATFORM_KEY'],
    [{ RAAS_PLATFORM_NAME: 'acme-platform', RAAS_PLATFORM_KEY: 'short' }, 'RAAS_PLATFORM_KEY'],
    [{ REQUEST_TIMEOUT_MS: '5000', HEADERS_TIMEOUT_MS: '6000' }, 'HEADERS_TIMEOUT_MS'],
    [{ MAX_CONNECTIONS: '0' }, 'MAX_CONNECTIONS'],
  ])('%o stops the start with a message naming %s', async (env, variable) => {
    const { code, stderr } = await runServerOnce({ DATABASE_URL: `file:${join(dir, 'raas.db')}`, ...env });
    expect(code).toBe(1);
    expect(stderr).toContain('invalid configuration');
    expect(stderr).toContain(variable);
  });
});

test('STRICT_BODIES is off unless set to true', () => {
  expect(readConfig({}).strictBodies).toBe(false);
  expect(readConfig({ STRICT_BODIES: 'false' }).strictBodies).toBe(false);
  expect(readConfig({ STRICT_BODIES: 'true' }).strictBodies).toBe(true);
});

test('RAAS_MODE unset follows the database: sandbox on SQLite, production on PostgreSQL; set, it is what it says', () => {
  expect(readConfig({}).mode).toBe('sandbox');
  expect(readConfig({ DATABASE_URL: './data/raas.db' }).mode).toBe('sandbox');
  expect(readConfig({ DATABASE_URL: ':memory:' }).mode).toBe('sandbox');
  expect(readConfig({ DATABASE_URL: 'postgres://raas@db.internal/raas' }).mode).toBe('production');
  expect(readConfig({ DATABASE_URL: 'POSTGRESQL://raas@db.internal/raas' }).mode).toBe('production');
  expect(readConfig({ DATABASE_URL: 'postgres://raas@db.internal/raas', RAAS_MODE: '' }).mode).toBe('production');
  expect(readConfig({ DATABASE_URL: 'postgres://raas@db.internal/raas', RAAS_MODE: 'sandbox' }).mode).toBe('sandbox');
  expect(readConfig({ RAAS_MODE: 'production' }).mode).toBe('production');
});

describe('a guessable RAAS_PLATFORM_KEY', () => {
  // Each is 32 characters or more: length alone let them through.
  test.each([
    'x'.repeat(43),
    'acme-platform-key-0123456789-0123456789',
    'Password1!Password1!Password1!Password1!',
    'abcdefghijklmnopqrstuvwxyz0123456789',
    'qwertyuiopasdfghjklzxcvbnm1234567890',
    '0123456789abcdef0123456789abcdef',
  ])('%s is refused at start, with how to make a good one', async (key) => {
    const { code, stderr } = await runServerOnce({
      DATABASE_URL: `file:${join(dir, 'raas.db')}`,
      RAAS_PLATFORM_NAME: 'acme-platform',
      RAAS_PLATFORM_KEY: key,
    });
    expect(code).toBe(1);
    expect(stderr).toContain('RAAS_PLATFORM_KEY: guessable');
    expect(stderr).toContain('openssl rand -base64 32');
  });

  test('32 random bytes, as base64 or hex, always pass', () => {
    for (let i = 0; i < 2000; i++) {
      for (const key of [randomBytes(32).toString('base64'), randomBytes(32).toString('hex'), randomBytes(32).toString('base64url')]) {
        expect(keyStrengthBits(key), key).toBeGreaterThanOrEqual(MIN_KEY_BITS);
      }
    }
  });
});

describe('provisioning from the environment', () => {
  test('a key that belongs to another platform stops the start with a message, not a silent 401', async () => {
    const env = { DATABASE_URL: `file:${join(dir, 'raas.db')}`, LOG_LEVEL: 'silent', RAAS_PLATFORM_KEY: KEY };
    const first = await startServerProcess({ ...env, RAAS_PLATFORM_NAME: 'first-platform' });
    await first.stop();
    const { code, stderr } = await runServerOnce({ ...env, RAAS_PLATFORM_NAME: 'second-platform' });
    expect(code).toBe(1);
    expect(stderr).toContain('RAAS_PLATFORM_KEY: already the key of another platform');
  });
});

describe('start and stop', () => {
  test('a first start creates a development platform and shows its key once', async () => {
    const env = { DATABASE_URL: `file:${join(dir, 'raas.db')}`, LOG_LEVEL: 'silent' };
    const first = await startServerProcess(env);
    const key = /platform key:\s+(\S+)/.exec(first.stderr())?.[1];
    expect(first.stderr()).toContain('platform name: dev-platform');
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const response = await fetch(`${first.baseUrl}/customers`, { headers: { authorization: basic('dev-platform', key!) } });
    expect(response.status).toBe(200);
    expect(await first.stop()).toBe(0);

    const second = await startServerProcess(env);
    expect(second.stderr()).not.toContain('platform key');
    await second.stop();
  });

  test('data survives a restart; logs carry the request but never the credentials', async () => {
    const env = {
      DATABASE_URL: `file:${join(dir, 'raas.db')}`,
      RAAS_PLATFORM_NAME: 'acme-platform',
      RAAS_PLATFORM_KEY: KEY,
      LOG_LEVEL: 'info',
    };
    const headers = { authorization: basic('acme-platform', KEY), 'content-type': 'application/json' };
    const first = await startServerProcess(env);
    expect(first.stderr()).not.toContain('platform key');
    const created = await fetch(`${first.baseUrl}/customers`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ customerIdentifier: 'survivor-1', displayName: 'Survives restarts' }),
    });
    expect(created.status).toBe(201);
    const requestId = created.headers.get('x-request-id');
    await fetch(`${first.baseUrl}/customers`, { headers: { authorization: basic('acme-platform', 'wrong-key') } });
    expect(await first.stop('SIGTERM')).toBe(0);

    const lines = first
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    const requestLog = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => {
        const req = entry.req as { id?: string } | undefined;
        return req?.id === requestId;
      });
    expect(requestLog).toMatchObject({
      req: { id: requestId, method: 'POST', path: '/raas/v2/customers' },
      res: { status: 201 },
      durationMs: expect.any(Number),
    });
    const everything = first.stdout() + first.stderr();
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain(Buffer.from(`acme-platform:${KEY}`).toString('base64'));
    expect(everything.toLowerCase()).not.toContain('authorization');
    expect(everything).toContain('"msg":"stopped"');

    const second = await startServerProcess(env);
    const found = await fetch(`${second.baseUrl}/customers/survivor-1`, { headers });
    expect(found.status).toBe(200);
    expect(await found.json()).toMatchObject({ customerIdentifier: 'survivor-1', displayName: 'Survives restarts' });
    await second.stop();
  });

  test('SIGTERM lets a request in flight finish, then exits', async () => {
    const server = await startServerProcess({
      DATABASE_URL: `file:${join(dir, 'raas.db')}`,
      RAAS_PLATFORM_NAME: 'acme-platform',
      RAAS_PLATFORM_KEY: KEY,
      LOG_LEVEL: 'silent',
    });
    const body = JSON.stringify({ customerIdentifier: 'in-flight-1', displayName: 'In flight' });
    // Send the headers and half the body, signal the server, then send the rest: the request is
    // accepted and unfinished at the moment of SIGTERM.
    const request = httpRequest(`${server.baseUrl}/customers`, {
      method: 'POST',
      headers: {
        authorization: basic('acme-platform', KEY),
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });
    const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
      request.on('response', (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      });
      request.on('error', reject);
    });
    request.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exited = server.stop('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.child.exitCode).toBeNull();
    request.end(body.slice(10));
    const { status, text } = await answered;
    expect(status).toBe(201);
    expect(JSON.parse(text)).toMatchObject({ customerIdentifier: 'in-flight-1' });
    expect(await exited).toBe(0);
  });
});
