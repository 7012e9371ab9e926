/**
 * The server's hardening, as a client sees it:
 *   (a) security headers on every answer: `X-Content-Type-Options: nosniff`, framing forbidden
 *       (`X-Frame-Options` or a CSP `frame-ancestors`), no `X-Powered-By`. HSTS is not required:
 *       the server speaks plain HTTP on loopback and TLS is terminated in front of it.
 *   (b) repeated failed authentication from one client is throttled: after AUTH_FAILURE_LIMIT
 *       failures within AUTH_FAILURE_WINDOW_MS, further failing attempts answer 429 with
 *       Retry-After, the Basic challenge and an ErrorInfo (429.001), until the window ends; a
 *       request without credentials is no failure and always gets the 401 challenge; valid
 *       credentials are always let through, undelayed, even from the same address.
 *       The counter is per address only: keyed on (address, platform name) a guesser could
 *       multiply its attempts by cycling platform names.
 *   (c) an over-long URL is refused (414, or 431/400) with an ErrorInfo, oversized headers get
 *       Node's 431, and the server keeps serving afterwards; none of them hangs or answers 5xx.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { errorInfoProblems } from './support/fuzz-requests.js';
import { type TestServer, basic, startTestServer } from './support/harness.js';
import { type RawClient, type RawResponse, rawClient } from './support/http.js';
import { type RunningServer, startServerProcess } from './support/process.js';
import { operationFor, responseProblems } from './support/spec.js';
import { temporaryDirectory } from '@raas-customers/test-kit';

const PLATFORM = { name: 'hardening-platform', key: '5KQJtIJQ6sM8sMcnv_HSDS3SvIR585fufTNWgif2a6I' };

let dir: string;
beforeEach(() => {
  dir = temporaryDirectory('raas-hardening-').path;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function processEnv(extra: Record<string, string> = {}) {
  return {
    DATABASE_URL: `file:${join(dir, 'raas.db')}`,
    RAAS_PLATFORM_NAME: PLATFORM.name,
    RAAS_PLATFORM_KEY: PLATFORM.key,
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

async function withProcess<T>(
  env: Record<string, string>,
  run: (server: RunningServer, client: RawClient, base: string) => Promise<T>,
): Promise<T> {
  const server = await startServerProcess(env);
  const client = rawClient(server.baseUrl, 4);
  try {
    return await run(server, client, new URL(server.baseUrl).pathname);
  } finally {
    client.close();
    await server.stop();
  }
}

function expectSecurityHeaders(response: RawResponse, what: string): void {
  expect(response.headers['x-content-type-options'], what).toBe('nosniff');
  const frame = String(response.headers['x-frame-options'] ?? '');
  const csp = String(response.headers['content-security-policy'] ?? '');
  expect(/^(deny|sameorigin)$/i.test(frame) || /frame-ancestors\s+('none'|'self')/.test(csp), `${what}: framing is not forbidden`).toBe(
    true,
  );
  expect(response.headers['x-powered-by'], what).toBeUndefined();
}

describe('(a) security headers', () => {
  let server: TestServer;
  let client: RawClient;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
    client = rawClient(server.baseUrl, 2);
  });
  afterAll(async () => {
    client?.close();
    await server?.close();
  });

  test('every kind of answer carries them, and none says what serves it', async () => {
    const auth = { authorization: basic(server.one) };
    const answers: [string, RawResponse][] = [
      ['200 list', await client.send({ method: 'GET', path: '/raas/v2/customers', headers: auth })],
      [
        '201 create',
        await client.send({
          method: 'POST',
          path: '/raas/v2/customers',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ customerIdentifier: 'headers-1', displayName: 'Headers test' }),
        }),
      ],
      [
        '400 invalid',
        await client.send({
          method: 'POST',
          path: '/raas/v2/customers',
          headers: { ...auth, 'content-type': 'application/json' },
          body: '{}',
        }),
      ],
      ['401 no credentials', await client.send({ method: 'GET', path: '/raas/v2/customers' })],
      ['404 unknown route', await client.send({ method: 'GET', path: '/nowhere' })],
      ['405 method', await client.send({ method: 'DELETE', path: '/raas/v2/customers', headers: auth })],
      ['healthz', await client.send({ method: 'GET', path: '/healthz' })],
      ['openapi.json', await client.send({ method: 'GET', path: '/raas/v2/openapi.json' })],
    ];
    for (const [what, response] of answers) expectSecurityHeaders(response, what);
  });

  test('the server process sends them too', { timeout: 30_000 }, async () => {
    await withProcess(processEnv(), async (_server, client, base) => {
      expectSecurityHeaders(
        await client.send({ method: 'GET', path: `${base}/customers`, headers: { authorization: basic(PLATFORM) } }),
        'process 200',
      );
      expectSecurityHeaders(await client.send({ method: 'GET', path: `${base}/customers` }), 'process 401');
    });
  });
});

describe('(b) failed authentication is throttled per client', () => {
  const wrongKey = basic({ name: PLATFORM.name, key: `${PLATFORM.key}-wrong` });

  test('after AUTH_FAILURE_LIMIT failures: 429 with Retry-After and ErrorInfo 429.001; valid credentials still pass at once', {
    timeout: 30_000,
  }, async () => {
    await withProcess(processEnv({ AUTH_FAILURE_LIMIT: '5', AUTH_FAILURE_WINDOW_MS: '60000' }), async (_server, client, base) => {
      const get = (authorization?: string) =>
        client.send({ method: 'GET', path: `${base}/customers`, headers: authorization ? { authorization } : {} });
      for (let i = 0; i < 5; i++) expect((await get(wrongKey)).status, `failure ${i + 1}`).toBe(401);

      // A request without credentials is not a failure: it always gets the 401 challenge.
      const bare = await get();
      expect(bare.status).toBe(401);
      expect(bare.headers['www-authenticate']).toMatch(/^Basic /);

      for (const [what, authorization] of [
        ['wrong key', wrongKey],
        ['malformed header', 'Basic %%%'],
      ] as const) {
        const blocked = await get(authorization);
        expect(blocked.status, what).toBe(429);
        expect(blocked.headers['www-authenticate'], what).toMatch(/^Basic /);
        const retryAfter = Number(blocked.headers['retry-after']);
        expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${blocked.headers['retry-after']}`).toBe(
          true,
        );
        expect(errorInfoProblems(blocked.json)).toEqual([]);
        expect(blocked.json).toMatchObject({
          httpCode: 429,
          i18nKey: '429.001',
          path: `${base}/customers`,
          requestId: blocked.headers['x-request-id'],
        });
        expect(responseProblems(operationFor('GET', '/customers'), 429, blocked.json)).toEqual([]);
      }

      // Valid credentials of the same platform, from the same address: let through, undelayed.
      const started = performance.now();
      const valid = await get(basic(PLATFORM));
      expect(valid.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(1_000);
      const created = await client.send({
        method: 'POST',
        path: `${base}/customers`,
        headers: { authorization: basic(PLATFORM), 'content-type': 'application/json' },
        body: JSON.stringify({ customerIdentifier: 'after-throttle', displayName: 'Created while throttled' }),
      });
      expect(created.status).toBe(201);
      // ...and that success does not lift the block for failing attempts.
      expect((await get(wrongKey)).status).toBe(429);
    });
  });

  test('the block ends with the window', { timeout: 30_000 }, async () => {
    await withProcess(processEnv({ AUTH_FAILURE_LIMIT: '3', AUTH_FAILURE_WINDOW_MS: '1000' }), async (_server, client, base) => {
      const get = () => client.send({ method: 'GET', path: `${base}/customers`, headers: { authorization: wrongKey } });
      for (let i = 0; i < 3; i++) expect((await get()).status).toBe(401);
      const blocked = await get();
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect((await get()).status).toBe(401);
    });
  });
});

describe('(c) over-long requests', () => {
  test('a 10 kB path or query is refused with an ErrorInfo, a 20 kB header with 431, and the server keeps serving', {
    timeout: 30_000,
  }, async () => {
    await withProcess(processEnv(), async (server, client, base) => {
      const authorization = basic(PLATFORM);
      const longPath = await client.send(
        { method: 'GET', path: `${base}/customers/${'a'.repeat(10_000)}`, headers: { authorization } },
        5_000,
      );
      const longQuery = await client.send(
        { method: 'GET', path: `${base}/customers?displayName=${'q'.repeat(10_000)}`, headers: { authorization } },
        5_000,
      );
      const longUnauthenticated = await client.send({ method: 'GET', path: `${base}/customers/${'a'.repeat(10_000)}` }, 5_000);
      for (const [what, response] of [
        ['path', longPath],
        ['query', longQuery],
        ['unauthenticated', longUnauthenticated],
      ] as const) {
        expect([414, 431, 400], what).toContain(response.status);
        if (response.status !== 431) {
          expect(errorInfoProblems(response.json), what).toEqual([]);
          expect((response.json as { httpCode: number }).httpCode).toBe(response.status);
        }
      }
      const bigHeader = await rawClient(server.baseUrl, 1).send(
        { method: 'GET', path: `${base}/customers`, headers: { authorization, 'x-padding': 'p'.repeat(20_000) } },
        5_000,
      );
      expect(bigHeader.status).toBe(431);
      expect((await client.send({ method: 'GET', path: '/healthz' })).status).toBe(200);
      expect((await client.send({ method: 'GET', path: `${base}/customers`, headers: { authorization } })).status).toBe(200);
    });
  });
});
