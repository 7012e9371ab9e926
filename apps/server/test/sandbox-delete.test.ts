/**
 * A throw-away platform's deletion (DELETE /sandbox/v1/platform) against what was already under
 * way: its keys still in the credential cache (a long one, so nothing here depends on timing),
 * a later platform created right after (its id never the deleted one's: migration 9), and
 * requests already past authentication when the deletion commits. On both stores.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import type { Store } from '../src/domain/ports.js';
import { type Credentials, STORE_KINDS, type TestServer, basic, startTestServer, wrapMethod } from './support/harness.js';

/** Long enough that every cached key in a test is still cached at its end. */
const LONG_CACHE_MS = 60_000;

/** A call of the store held back until `release`, and `entered` once a request has reached it. */
function gate(method: keyof Store) {
  let armed = false;
  let release: () => void = () => {};
  let enter: () => void = () => {};
  const entered = new Promise<void>((resolve) => {
    enter = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const wrap = (store: Store): Store =>
    wrapMethod(store, method, (original) => {
      const call = original as (...args: unknown[]) => Promise<unknown>;
      return (async (...args: unknown[]) => {
        if (armed) {
          armed = false;
          enter();
          await released;
        }
        return call(...args);
      }) as typeof original;
    });
  return { wrap, arm: () => (armed = true), entered, release: () => release() };
}

/** `passed` once a request's per-request sandbox check (Store.sandboxSettings) has answered, the first time after `arm`. */
function checked() {
  let armed = false;
  let pass: () => void = () => {};
  const passed = new Promise<void>((resolve) => {
    pass = resolve;
  });
  const wrap = (store: Store): Store =>
    wrapMethod(store, 'sandboxSettings', (original) => async (...args) => {
      const settings = await original(...args);
      if (armed) {
        armed = false;
        pass();
      }
      return settings;
    });
  return { wrap, arm: () => (armed = true), passed };
}

describe.each(STORE_KINDS)('a deleted throw-away platform on %s', (kind) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  /** A server for one test, closed after it. */
  const start = async (options: Parameters<typeof startTestServer>[1]) => {
    server = await startTestServer(kind, options);
    return server;
  };

  const sandboxUrl = (on: TestServer) => on.baseUrl.replace(/\/raas\/v2$/, '/sandbox/v1');
  const call = (method: string, url: string, credentials: Credentials, body?: unknown) =>
    fetch(url, {
      method,
      headers: { Authorization: basic(credentials), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const api = (on: TestServer, method: string, path: string, credentials: Credentials, body?: unknown) =>
    call(method, `${on.baseUrl}${path}`, credentials, body);
  const control = (on: TestServer, method: string, path: string, credentials: Credentials, body?: unknown) =>
    call(method, `${sandboxUrl(on)}${path}`, credentials, body);
  const throwAway = async (on: TestServer): Promise<Credentials & { id: number }> => {
    const created = await control(on, 'POST', '/platforms', on.one);
    expect(created.status).toBe(201);
    const { platformName, platformKey } = (await created.json()) as { platformName: string; platformKey: string };
    const [row] = (await on.sql('SELECT id FROM platforms WHERE name = ?', [platformName])) as [{ id: number }];
    return { name: platformName, key: platformKey, id: Number(row.id) };
  };
  const expectRefused = async (response: Response) => {
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="RaaS"/);
    expect(((await response.json()) as { i18nKey: string }).i18nKey).toBe('401.501');
  };

  test("a deleted platform's cached key never reaches the next platform, created right after", async () => {
    const on = await start({ credentialCacheMs: LONG_CACHE_MS });
    const a = await throwAway(on);
    // A's key is in the credential cache now, for the rest of the test.
    expect((await api(on, 'GET', '/customers', a)).status).toBe(200);
    expect((await control(on, 'GET', '/rate-limit', a)).status).toBe(200);
    expect((await control(on, 'DELETE', '/platform', a)).status).toBe(204);

    const b = await throwAway(on);
    // Neither database hands out an id twice (SQLite since migration 9), even the newest freed.
    expect(b.id).not.toBe(a.id);
    expect(b.id).toBeGreaterThan(a.id);
    expect((await api(on, 'POST', '/customers', b, { customerIdentifier: 'secret-of-b', displayName: 'Secret of B' })).status).toBe(201);

    await expectRefused(await api(on, 'GET', '/customers', a));
    await expectRefused(await api(on, 'POST', '/customers', a, { customerIdentifier: 'written-by-a', displayName: 'Written by A' }));
    await expectRefused(await control(on, 'GET', '/rate-limit', a));
    await expectRefused(await control(on, 'PUT', '/rate-limit', a, { enabled: true }));
    await expectRefused(await control(on, 'POST', '/reset', a));

    // B's data and settings as B left them.
    expect(await on.sql('SELECT customer_identifier FROM customers WHERE platform_id = ?', [b.id])).toEqual([
      { customer_identifier: 'secret-of-b' },
    ]);
    const listed = await api(on, 'GET', '/customers', b);
    expect(listed.status).toBe(200);
    expect(await listed.text()).toContain('secret-of-b');
    expect(await (await control(on, 'GET', '/rate-limit', b)).json()).toEqual({ enabled: false });
  });

  test('the instance that deleted a platform forgets its cached credentials at once', async () => {
    const lookups: string[] = [];
    const counting = (store: Store): Store =>
      wrapMethod(store, 'activeCredentials', (original) => (name) => {
        lookups.push(name);
        return original(name);
      });
    const on = await start({ credentialCacheMs: LONG_CACHE_MS, wrapStore: counting });
    const a = await throwAway(on);
    expect((await api(on, 'GET', '/customers', a)).status).toBe(200);
    expect((await api(on, 'GET', '/customers', a)).status).toBe(200);
    expect(lookups.filter((name) => name === a.name)).toHaveLength(1);
    expect((await control(on, 'DELETE', '/platform', a)).status).toBe(204);
    // Within the cache's 60 s, yet looked up again (and found no more): the entry was dropped.
    await expectRefused(await api(on, 'GET', '/customers', a));
    expect(lookups.filter((name) => name === a.name)).toHaveLength(2);
  });

  test('a revoked credential is refused at once in sandbox mode, although cached', async () => {
    const on = await start({ credentialCacheMs: LONG_CACHE_MS });
    const a = await throwAway(on);
    expect((await api(on, 'GET', '/customers', a)).status).toBe(200);
    const [credential] = (await on.sql('SELECT key_id FROM credentials WHERE platform_id = ?', [a.id])) as [{ key_id: string }];
    expect(await on.store.revokeCredential(credential.key_id, new Date())).toBe(true);
    await expectRefused(await api(on, 'GET', '/customers', a));
    await expectRefused(await control(on, 'GET', '/clock', a));
  });

  test('an API write already past authentication when the platform is deleted answers 401.501, never 500', async () => {
    const held = gate('insertCustomer');
    const on = await start({ wrapStore: held.wrap });
    const a = await throwAway(on);
    held.arm();
    const pending = api(on, 'POST', '/customers', a, { customerIdentifier: 'late-one', displayName: 'Late one' });
    await held.entered;
    expect((await control(on, 'DELETE', '/platform', a)).status).toBe(204);
    // The next platform, created while A's write is still held: it must not receive it.
    const b = await throwAway(on);
    expect(b.id).not.toBe(a.id);
    held.release();
    await expectRefused(await pending);
    expect(await on.sql("SELECT id FROM customers WHERE customer_identifier = 'late-one'")).toEqual([]);
    expect(await on.sql('SELECT id FROM customers WHERE platform_id = ?', [b.id])).toEqual([]);
  });

  test("a write whose body arrives after its platform's deletion and the next platform's creation answers 401.501", async () => {
    const check = checked();
    const on = await start({ wrapStore: check.wrap });
    const a = await throwAway(on);
    const body = JSON.stringify({ customerIdentifier: 'planted-by-a', displayName: 'Planted by A' });
    check.arm();
    let finish: () => void = () => {};
    const answer = new Promise<{ status: number; challenge: string | undefined; text: string }>((resolve, reject) => {
      const req = request(
        new URL(`${on.baseUrl}/customers`),
        {
          method: 'POST',
          headers: { Authorization: basic(a), 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, challenge: res.headers['www-authenticate'], text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 5));
      finish = () => req.end(body.slice(5));
    });
    // Authenticated and past the sandbox's check, A still there: the rest of the body is yet to come.
    await check.passed;
    expect((await control(on, 'DELETE', '/platform', a)).status).toBe(204);
    const b = await throwAway(on);
    expect(b.id).not.toBe(a.id);
    finish();
    const got = await answer;
    expect(got.status).toBe(401);
    expect(got.challenge).toMatch(/^Basic realm="RaaS"/);
    expect((JSON.parse(got.text) as { i18nKey: string }).i18nKey).toBe('401.501');
    expect(await on.sql("SELECT id FROM customers WHERE customer_identifier = 'planted-by-a'")).toEqual([]);
    expect(await on.sql('SELECT id FROM customers WHERE platform_id = ?', [b.id])).toEqual([]);
  });

  test('a reset already past its checks when the platform is deleted answers 401.501, never 500', async () => {
    const held = gate('resetPlatform');
    const on = await start({ wrapStore: held.wrap });
    const a = await throwAway(on);
    held.arm();
    const pending = control(on, 'POST', '/reset', a);
    await held.entered;
    expect((await control(on, 'DELETE', '/platform', a)).status).toBe(204);
    const b = await throwAway(on);
    expect((await api(on, 'POST', '/customers', b, { customerIdentifier: 'kept-by-b', displayName: 'Kept by B' })).status).toBe(201);
    held.release();
    await expectRefused(await pending);
    expect(await on.sql('SELECT customer_identifier FROM customers WHERE platform_id = ?', [b.id])).toEqual([
      { customer_identifier: 'kept-by-b' },
    ]);
  });

  test('a seed already past its checks when the platform is deleted answers 401.501, never 500', async () => {
    const held = gate('seedPlatform');
    const on = await start({ wrapStore: held.wrap });
    const a = await throwAway(on);
    held.arm();
    const pending = control(on, 'POST', '/seed', a, { customers: [{ customerIdentifier: 'late-one', displayName: 'Late one' }] });
    await held.entered;
    expect((await control(on, 'DELETE', '/platform', a)).status).toBe(204);
    held.release();
    await expectRefused(await pending);
    expect(await on.sql("SELECT id FROM customers WHERE customer_identifier = 'late-one'")).toEqual([]);
  });
});
