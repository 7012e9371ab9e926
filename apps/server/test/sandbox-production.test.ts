/**
 * Safety: a server started in production mode has no sandbox control and honours no sandbox
 * header. Every operation of the control spec answers 404.001 (with a valid body and the
 * platform's full-access credentials), and X-Sandbox-Fault changes nothing; the same server in
 * sandbox mode answers them, so the walk is proved to reach real routes. Also: each control
 * action logs one line with the platform and the request id, and never the key.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type JsonObject, asObject, loadBundledSpec, operationsOf, resolve } from '@raas-customers/openapi/walk';
import { basic, temporaryDirectory } from '@raas-customers/test-kit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningServer, startServerProcess } from './support/process.js';

const sandboxSpec = loadBundledSpec('sandbox');
const controls = operationsOf(sandboxSpec);
const KEY = 'Qm9yZWQtYnV0LXJhbmRvbS1lbm91Z2gtMzItYnl0ZXMhIQ';
const credentials = { name: 'safety-platform', key: KEY };

/** A request for each control: its path with example parameters, and its named example body. */
function requestOf(operation: (typeof controls)[number], snapshotId: string): { method: string; path: string; body?: string } {
  const path = operation.path
    .replace('{snapshotId}', snapshotId)
    .replace('{accountIdentifier}', 'safety-account')
    .replace('{referenceDepositID}', 'RAD-261201-5407');
  const content = operation.node.requestBody
    ? asObject(resolve(sandboxSpec, operation.node.requestBody, `${operation.operationId} body`).node.content, 'content')
    : undefined;
  const examples = content ? asObject(asObject(content['application/json'], 'json').examples, 'examples') : undefined;
  const example = examples ? (resolve(sandboxSpec, Object.values(examples)[0], 'example').node as JsonObject).value : undefined;
  return { method: operation.method.toUpperCase(), path, ...(example === undefined ? {} : { body: JSON.stringify(example) }) };
}

async function call(server: RunningServer, { method, path, body }: { method: string; path: string; body?: string }): Promise<Response> {
  const base = server.baseUrl.replace(/\/raas\/v2$/, '/sandbox/v1');
  return fetch(`${base}${path}`, {
    method,
    headers: { Authorization: basic(credentials), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    ...(body ? { body } : {}),
  });
}

describe.each(['production', 'sandbox'] as const)('a server started in %s mode', (mode) => {
  let server: RunningServer;
  let dir: string;
  /** In sandbox mode a real snapshot's, so that restoring it answers; any id in production mode. */
  let snapshotId = '8f14e45f-ceea-467a-9575-1d8f5e2a3c10';

  beforeAll(async () => {
    dir = temporaryDirectory('raas-safety-').path;
    server = await startServerProcess({
      RAAS_MODE: mode,
      DATABASE_URL: `file:${join(dir, 'raas.db')}`,
      RAAS_PLATFORM_NAME: credentials.name,
      RAAS_PLATFORM_KEY: KEY,
    });
    const created = await fetch(`${server.baseUrl}/customers`, {
      method: 'POST',
      headers: { Authorization: basic(credentials), 'Content-Type': 'application/json' },
      body: JSON.stringify({ customerIdentifier: 'safety-customer', displayName: 'Safety customer' }),
    });
    expect(created.status).toBe(201);
    if (mode === 'sandbox') {
      snapshotId = ((await (await call(server, { method: 'POST', path: '/snapshots' })).json()) as { snapshotId: string }).snapshotId;
    }
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('says its mode at start and on /readyz', async () => {
    expect(server.stderr()).toContain(`(${mode} mode)`);
    expect(await (await fetch(new URL('/readyz', server.baseUrl))).json()).toEqual({ status: 'ok', mode });
  });

  test.each(controls.map((operation) => [operation.operationId, operation] as const))('%s', async (_, operation) => {
    const response = await call(server, requestOf(operation, snapshotId));
    const body = (await response.json()) as { i18nKey: string };
    if (mode === 'production') {
      expect(response.status).toBe(404);
      expect(body.i18nKey).toBe('404.001');
    } else {
      // The route exists and the request is valid (it reaches the control's own rules): whatever
      // it answers, it is neither the router's 404.001 nor a 400.
      expect(body.i18nKey).not.toBe('404.001');
      expect(response.status).not.toBe(400);
    }
  });

  test('the control spec itself is served only in sandbox mode, and so are its rendered pages', async () => {
    const response = await call(server, { method: 'GET', path: '/openapi.json' });
    expect(response.status).toBe(mode === 'production' ? 404 : 200);
    for (const page of ['sandbox.html', 'sandbox.json', 'sandbox.yaml']) {
      expect((await fetch(new URL(`/docs/${page}`, server.baseUrl))).status, page).toBe(mode === 'production' ? 404 : 200);
    }
    // The API's own reference is served in both modes.
    expect((await fetch(new URL('/docs/index.html', server.baseUrl))).status).toBe(200);
  });

  test('X-Sandbox-Fault answers only in sandbox mode', async () => {
    // The walk above turned the rate limit emulation on (setRateLimit's example): off again.
    await call(server, { method: 'PUT', path: '/rate-limit', body: JSON.stringify({ enabled: false }) });
    // Faults whose effect shows (a latency could not be told from a slow machine without timing).
    for (const fault of ['error=503.001', 'error=429.001; retry-after=2', 'drop', 'unreadable']) {
      const request = fetch(`${server.baseUrl}/customers`, {
        headers: { Authorization: basic(credentials), 'X-Sandbox-Fault': fault },
      });
      if (mode === 'production') {
        const response = await request;
        expect(response.status, fault).toBe(200);
        expect(((await response.json()) as { customerIdentifier: string }[]).map((c) => c.customerIdentifier)).toEqual(['safety-customer']);
      } else if (fault === 'drop') {
        await expect(request).rejects.toThrow();
      } else {
        expect((await request).status, fault).toBe({ 'error=503.001': 503, 'error=429.001; retry-after=2': 429, unreadable: 400 }[fault]);
      }
    }
  });

  test('each control action is one log line with the platform and the request id, never the key (none in production mode)', async () => {
    const response = await call(server, { method: 'POST', path: '/reset' });
    const requestId = response.headers.get('X-REQUEST-ID');
    if (mode === 'production') {
      // The request's own access line is written, and no control line.
      await expect.poll(() => server.stdout().includes(String(requestId)), { timeout: 5000 }).toBe(true);
      expect(server.stdout()).not.toContain('"msg":"sandbox control"');
      return;
    }
    await expect.poll(() => server.stdout().includes(`"requestId":"${requestId}","control"`), { timeout: 5000 }).toBe(true);
    const line = server
      .stdout()
      .split('\n')
      .find((text) => text.includes('"msg":"sandbox control"') && text.includes(String(requestId)));
    expect(JSON.parse(line!)).toMatchObject({ platform: credentials.name, requestId, control: 'resetPlatform', status: 200 });
    expect(server.stdout()).not.toContain(KEY);
  });

  test('a control line says what was done: the new platform and its keyId (never its key), the snapshot, the amount, the offset, the rule', async () => {
    if (mode === 'production') return;
    const lineOf = async (response: Response) => {
      const requestId = String(response.headers.get('X-REQUEST-ID'));
      await expect.poll(() => server.stdout().includes(`"requestId":"${requestId}"`), { timeout: 5000 }).toBe(true);
      const text = server
        .stdout()
        .split('\n')
        .find((entry) => entry.includes('"msg":"sandbox control"') && entry.includes(requestId));
      return JSON.parse(String(text)) as Record<string, unknown>;
    };
    const created = await call(server, { method: 'POST', path: '/platforms' });
    const platform = (await created.json()) as { platformName: string; keyId: string; platformKey: string };
    expect(await lineOf(created)).toMatchObject({
      control: 'createSandboxPlatform',
      newPlatform: platform.platformName,
      keyId: platform.keyId,
    });
    const seeded = await call(server, {
      method: 'POST',
      path: '/seed',
      body: JSON.stringify({
        customers: [
          {
            customerIdentifier: 'logged',
            displayName: 'Logged',
            accounts: [{ accountIdentifier: 'logged-pool', displayName: 'Logged pool', contactEmail: 'a@b.example' }],
          },
        ],
      }),
    });
    expect(await lineOf(seeded)).toMatchObject({ control: 'seedPlatform', status: 200, rows: { customers: 1, accounts: 1 } });
    const adjusted = await call(server, {
      method: 'POST',
      path: '/accounts/logged-pool/adjustments',
      body: JSON.stringify({ amount: 12.5 }),
    });
    expect(await lineOf(adjusted)).toMatchObject({ control: 'adjustBalance', status: 200, accountIdentifier: 'logged-pool', amount: 12.5 });
    const refused = await call(server, {
      method: 'POST',
      path: '/accounts/logged-pool/adjustments',
      body: JSON.stringify({ amount: -99 }),
    });
    expect(await lineOf(refused)).toMatchObject({ control: 'adjustBalance', status: 402, amount: -99 });
    const snapshot = await call(server, { method: 'POST', path: '/snapshots' });
    const { snapshotId: taken } = (await snapshot.json()) as { snapshotId: string };
    expect(await lineOf(snapshot)).toMatchObject({ control: 'createSnapshot', snapshotId: taken });
    const advanced = await call(server, { method: 'POST', path: '/clock/advance', body: JSON.stringify({ milliseconds: 5000 }) });
    expect(await lineOf(advanced)).toMatchObject({ control: 'advanceClock', milliseconds: 5000, offsetMs: expect.any(Number) });
    const rule = await call(server, {
      method: 'POST',
      path: '/faults',
      body: JSON.stringify({ operationId: 'getAccount', answer: { type: 'error', i18nKey: '503.001' } }),
    });
    const { faultId } = (await rule.json()) as { faultId: string };
    expect(await lineOf(rule)).toMatchObject({ control: 'createFaultRule', operationId: 'getAccount', faultId });
    await call(server, { method: 'DELETE', path: '/faults' });
    await call(server, { method: 'DELETE', path: '/clock' });
    expect(server.stdout()).not.toContain(platform.platformKey);
    expect(server.stdout()).not.toContain(KEY);
  });
});

describe('a sandbox database restarted in production mode', () => {
  let dir: string;
  let server: RunningServer | undefined;
  const env = () => ({ DATABASE_URL: `file:${join(dir, 'raas.db')}`, RAAS_PLATFORM_NAME: credentials.name, RAAS_PLATFORM_KEY: KEY });
  const api = (path: string, who = credentials, init: RequestInit = {}) =>
    fetch(`${server!.baseUrl}${path}`, {
      ...init,
      headers: { Authorization: basic(who), ...(init.body ? { 'Content-Type': 'application/json' } : {}) },
    });

  beforeAll(() => {
    dir = temporaryDirectory('raas-leftovers-').path;
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('its throw-away platform is refused as unknown (401.501); its fault rule, clock offset and rate limit do nothing', async () => {
    server = await startServerProcess({ ...env(), RAAS_MODE: 'sandbox' });
    const created = await call(server, { method: 'POST', path: '/platforms' });
    expect(created.status).toBe(201);
    const { platformName, platformKey } = (await created.json()) as { platformName: string; platformKey: string };
    const throwAway = { name: platformName, key: platformKey };
    const rule = { operationId: 'listCustomers', answer: { type: 'error', i18nKey: '503.001' } };
    expect((await call(server, { method: 'POST', path: '/faults', body: JSON.stringify(rule) })).status).toBe(201);
    expect((await call(server, { method: 'PUT', path: '/clock', body: JSON.stringify({ now: '2031-03-01T08:00:00.000Z' }) })).status).toBe(
      200,
    );
    expect((await call(server, { method: 'PUT', path: '/rate-limit', body: JSON.stringify({ enabled: true }) })).status).toBe(200);
    // In sandbox mode each is in force: the rule answers, the throw-away key works.
    expect((await api('/customers')).status).toBe(503);
    expect((await api('/customers', throwAway)).status).toBe(200);
    await server.stop();

    server = await startServerProcess({ ...env(), RAAS_MODE: 'production' });
    const refused = await api('/customers', throwAway);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ i18nKey: '401.501' });
    // Three lists at once: no rule answers 503, no rate limit answers 429.
    const lists = await Promise.all([api('/customers'), api('/customers'), api('/customers')]);
    expect(lists.map((response) => response.status)).toEqual([200, 200, 200]);
    // The platform's clock is the server's: a new customer is not created in 2031.
    const customer = await api('/customers', credentials, {
      method: 'POST',
      body: JSON.stringify({ customerIdentifier: 'after-restart', displayName: 'After the restart' }),
    });
    expect(customer.status).toBe(201);
    expect(((await customer.json()) as { createdAt: string }).createdAt.slice(0, 4)).toBe(String(new Date().getUTCFullYear()));
  });
});
