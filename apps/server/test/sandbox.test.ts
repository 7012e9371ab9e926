/**
 * The sandbox controls (/sandbox/v1) against both stores, through the published client's
 * createSandboxClient; responses are validated against the control spec by the server (the
 * harness turns response validation on).
 */
import {
  type Account,
  type Customer,
  type ErrorInfo,
  type SandboxClient,
  type SeedFixture,
  createSandboxClient,
} from '@raas-customers/client';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { sandboxCardRequest } from '@raas-customers/test-kit';
import { type JsonObject, asObject, loadBundledSpec, resolve } from '@raas-customers/openapi/walk';
import { issueCredential } from '../src/auth/platforms.js';
import { draws } from '../src/domain/sandbox-service.js';
import { type SpecOperation, sandboxOperations } from '../src/http/spec-operations.js';
import { PLATFORM_SETUP_TABLES, PLATFORM_TABLES } from '../src/store/sandbox-sql.js';
import { type Credentials, STORE_KINDS, type TestServer, basic, startTestServer } from './support/harness.js';

/** Every platform-scoped table, empty. */
const EMPTY = { customers: 0, accounts: 0, credit_cards: 0, deposits: 0, transfers: 0, ledger_entries: 0, low_balance_alerts: 0 };

const FIXTURE: SeedFixture = {
  customers: [
    {
      customerIdentifier: 'acme-retail-us',
      displayName: 'Acme Retail US',
      accounts: [
        {
          accountIdentifier: 'acme-q4-bonus',
          displayName: 'Q4 bonus pool',
          contactEmail: 'finance@acme.example',
          currentBalance: 250.75,
          creditCards: [{ label: 'Corporate Visa', lastFourDigits: '1111', expirationDate: '2030-12' }],
        },
        { accountIdentifier: 'acme-frozen', displayName: 'Frozen pool', contactEmail: 'finance@acme.example', status: 'FROZEN' },
      ],
    },
    {
      customerIdentifier: 'globex-eu',
      displayName: 'Globex Europe',
      createdAt: '2026-01-15T09:00:00.000Z',
      accounts: [
        { accountIdentifier: 'globex-eur', displayName: 'Globex euro pool', contactEmail: 'ap@globex.example', currencyCode: 'EUR' },
      ],
    },
  ],
};

const sandboxSpec = loadBundledSpec('sandbox');

/** The first named example of a control's request body (the spec has one for every body). */
function exampleBody(operation: SpecOperation): unknown {
  const path = asObject(asObject(sandboxSpec.paths, 'paths')[operation.path], operation.path);
  const node = asObject(path[operation.method.toLowerCase()], operation.operationId);
  if (!node.requestBody) return undefined;
  const content = asObject(resolve(sandboxSpec, node.requestBody, 'requestBody').node.content, 'content');
  const examples = asObject(asObject(content['application/json'], 'json').examples, 'examples');
  return (resolve(sandboxSpec, Object.values(examples)[0], 'example').node as JsonObject).value;
}

/** A control's path with these values for its parameters. */
const fill = (operation: SpecOperation, value: string) => operation.path.replace(/\{\w+\}/g, value);

describe.each(STORE_KINDS)('sandbox controls on %s', (kind) => {
  let server: TestServer;
  /** Every (operationId, status) pair of the controls answered on this store, for the coverage test at the end. */
  const observed = new Set<string>();
  const observe = (method: string, url: string, status: number) => {
    const match = sandboxOperations.operationOf(method, new URL(url).pathname.replace(/^\/sandbox\/v1/, ''));
    if (match) observed.add(`${match.operation.operationId} ${status}`);
  };
  const sandboxUrl = (on: TestServer = server) => on.baseUrl.replace(/\/raas\/v2$/, '/sandbox/v1');
  const sandbox = (credentials: Credentials = server.one): SandboxClient => {
    const client = createSandboxClient({ baseUrl: sandboxUrl(), platformName: credentials.name, platformKey: credentials.key });
    client.use({
      onResponse({ request, response }) {
        observe(request.method, request.url, response.status);
        return response;
      },
    });
    return client;
  };
  const control = async (
    method: string,
    path: string,
    credentials: Credentials | null,
    body?: unknown,
    { on = server, contentType = 'application/json' }: { on?: TestServer; contentType?: string } = {},
  ) => {
    const response = await fetch(`${sandboxUrl(on)}${path}`, {
      method,
      headers: {
        ...(credentials ? { Authorization: basic(credentials) } : {}),
        ...(body === undefined ? {} : { 'Content-Type': contentType }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    observe(method, response.url, response.status);
    return response;
  };

  const customerIds = async (credentials: Credentials = server.one) =>
    ((await server.client(credentials).GET('/customers')).data as Customer[]).map((customer) => customer.customerIdentifier);
  const accounts = async (credentials: Credentials = server.one) => (await server.client(credentials).GET('/accounts')).data as Account[];

  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(async () => {
    await sandbox().POST('/reset');
    await sandbox().DELETE('/faults');
    await sandbox().DELETE('/clock');
    await sandbox().PUT('/rate-limit', { body: { enabled: false } });
  });

  test('/readyz says the mode', async () => {
    expect(await (await fetch(new URL('/readyz', server.baseUrl))).json()).toEqual({ status: 'ok', mode: 'sandbox' });
  });

  describe('throw-away platforms', () => {
    test('one call gives a new, empty platform with a working key, which sees nothing of the caller', async () => {
      await server.client().POST('/customers', { body: { customerIdentifier: 'of-platform-one', displayName: 'Platform one' } });
      const { data, response } = await sandbox().POST('/platforms');
      expect(response.status).toBe(201);
      expect(data?.platformName).toMatch(/^sandbox-[0-9a-f]{16}$/);
      const fresh = { name: data!.platformName, key: data!.platformKey };
      const list = await server.client(fresh).GET('/customers');
      expect(list.data).toEqual([]);
      // The key is stored hashed, like any credential.
      const stored = await server.store.activeCredentials(fresh.name);
      expect(stored).toHaveLength(1);
      expect(stored[0]!.keyHash).not.toContain(fresh.key);
      // Its own controls act on it alone.
      await sandbox(fresh).POST('/seed', { body: FIXTURE });
      expect(
        (await server.client().GET('/customers/{customerIdentifier}', { params: { path: { customerIdentifier: 'acme-retail-us' } } }))
          .response.status,
      ).toBe(404);
    });

    test('a throw-away platform deletes itself with everything it had; its keys then answer 401 everywhere', async () => {
      const { data } = await sandbox().POST('/platforms');
      const fresh = { name: data!.platformName, key: data!.platformKey };
      const readOnly = await issueCredential(server.store, fresh.name, { readOnly: true });
      const [{ id }] = (await server.sql('SELECT id FROM platforms WHERE name = ?', [fresh.name])) as [{ id: number }];
      // Something in every table a platform has rows in: data (a seeded card funds at once) and set-up.
      const token = 'fee1'.padEnd(40, '0');
      const [acme] = FIXTURE.customers;
      const [bonus, frozen] = acme!.accounts!;
      await sandbox(fresh).POST('/seed', {
        body: { customers: [{ ...acme!, accounts: [{ ...bonus!, creditCards: [{ ...bonus!.creditCards![0]!, token }] }, frozen!] }] },
      });
      const api = server.client(fresh);
      const owner = { customerIdentifier: 'acme-retail-us', accountIdentifier: 'acme-q4-bonus' };
      expect((await api.POST('/creditCardDeposits', { body: { ...owner, creditCardToken: token, amount: 10 } })).response.status).toBe(200);
      await sandbox(fresh).PUT('/accounts/{accountIdentifier}/status', {
        params: { path: { accountIdentifier: 'acme-frozen' } },
        body: { status: 'ACTIVE' },
      });
      expect(
        (await api.POST('/transferFunds', { body: { transferFrom: 'acme-q4-bonus', transferTo: 'acme-frozen', amount: 5 } })).response
          .status,
      ).toBe(200);
      await api.POST('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance', {
        params: { path: owner },
        body: { balanceAlertDisplayName: 'Running low', balanceAlertThreshold: 50 },
      });
      await sandbox(fresh).POST('/snapshots');
      await sandbox(fresh).POST('/faults', { body: { operationId: 'getAccount', times: 1, answer: { type: 'drop' } } });
      await sandbox(fresh).POST('/clock/advance', { body: { milliseconds: 1000 } });
      await sandbox(fresh).PUT('/rate-limit', { body: { enabled: false } });
      const rowsOf = async () => {
        const counts: Record<string, number> = {};
        for (const table of [...PLATFORM_TABLES.map((t) => t.name), ...PLATFORM_SETUP_TABLES]) {
          const [row] = (await server.sql(`SELECT COUNT(*) AS n FROM ${table} WHERE platform_id = ?`, [id])) as [{ n: number }];
          counts[table] = Number(row.n);
        }
        return counts;
      };
      const before = await rowsOf();
      for (const [table, n] of Object.entries(before)) expect(n, table).toBeGreaterThan(0);
      // Its credentials are in the authentication cache now.
      expect((await server.client(fresh).GET('/customers')).response.status).toBe(200);
      await server.client().POST('/customers', { body: { customerIdentifier: 'stays-on-one', displayName: 'Stays on one' } });

      const deleted = await sandbox(fresh).DELETE('/platform');
      expect(deleted.response.status).toBe(204);
      expect(deleted.data).toBeUndefined();
      expect(Object.values(await rowsOf()).every((n) => n === 0)).toBe(true);
      expect(await server.sql('SELECT id FROM platforms WHERE id = ?', [id])).toEqual([]);

      // At once, although the credentials were cached: 401 with the challenge, as keys that never existed.
      for (const credentials of [fresh, { name: fresh.name, key: readOnly.platformKey }]) {
        const api = await server.client(credentials).GET('/customers');
        expect([api.response.status, api.error?.i18nKey], 'API').toEqual([401, '401.501']);
        expect(api.response.headers.get('WWW-Authenticate')).toMatch(/^Basic /);
        const clock = await control('GET', '/clock', credentials);
        expect([clock.status, clock.headers.get('WWW-Authenticate')?.slice(0, 6)], 'control').toEqual([401, 'Basic ']);
        expect((await control('DELETE', '/platform', credentials)).status, 'again').toBe(401);
      }
      // Nothing else moved.
      expect(await customerIds()).toEqual(['stays-on-one']);
      expect((await server.client(server.two).GET('/customers')).response.status).toBe(200);
    });

    test('only a throw-away platform may delete itself (409.001), with a full-access credential', async () => {
      await server.client().POST('/customers', { body: { customerIdentifier: 'kept-on-one', displayName: 'Kept on one' } });
      const refused = await sandbox().DELETE('/platform');
      expect(refused.response.status).toBe(409);
      expect(refused.error).toMatchObject({
        i18nKey: '409.001',
        message: 'Only a throw-away platform (POST /sandbox/v1/platforms) can be deleted: this one was not created as one.',
      });
      expect(await customerIds()).toEqual(['kept-on-one']);
      expect(await server.store.activeCredentials(server.one.name)).toHaveLength(3);
      const { data } = await sandbox().POST('/platforms');
      const fresh = { name: data!.platformName, key: data!.platformKey };
      const readOnly = await issueCredential(server.store, fresh.name, { readOnly: true });
      const limited = await issueCredential(server.store, fresh.name, { allowedCustomers: ['some-customer'] });
      expect(await (await control('DELETE', '/platform', { name: fresh.name, key: readOnly.platformKey })).json()).toMatchObject({
        i18nKey: '403.017',
      });
      expect(await (await control('DELETE', '/platform', { name: fresh.name, key: limited.platformKey })).json()).toMatchObject({
        i18nKey: '403.007',
      });
      expect((await control('DELETE', '/platform', null)).status).toBe(401);
      expect((await server.client(fresh).GET('/customers')).response.status).toBe(200);
      expect((await sandbox(fresh).DELETE('/platform')).response.status).toBe(204);
    });

    test('deleting covers every table with a platform_id: each is platform data or its set-up', async () => {
      const tables = (
        (await server.sql(
          kind === 'sqlite'
            ? "SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) c WHERE m.type = 'table' AND c.name = 'platform_id'"
            : "SELECT table_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'platform_id'",
        )) as { name: string }[]
      ).map((row) => row.name);
      expect(tables.sort()).toEqual([...PLATFORM_TABLES.map((table) => table.name), ...PLATFORM_SETUP_TABLES].sort());
    });

    test('only a full-access credential may create one', async () => {
      expect((await control('POST', '/platforms', server.oneReadOnly)).status).toBe(403);
      expect(await (await control('POST', '/platforms', server.oneReadOnly)).json()).toMatchObject({ i18nKey: '403.017' });
      expect(await (await control('POST', '/platforms', server.oneRestricted)).json()).toMatchObject({ i18nKey: '403.007' });
      const anonymous = await control('POST', '/platforms', null);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ i18nKey: '401.501' });
    });
  });

  describe('state', () => {
    test('seed writes the fixture: statuses, balances, currencies and chosen createdAt', async () => {
      const { data, response } = await sandbox().POST('/seed', { body: FIXTURE });
      expect(response.status).toBe(200);
      expect(data).toEqual({ ...EMPTY, customers: 2, accounts: 3, credit_cards: 1, ledger_entries: 1 });
      expect((await accounts()).map((a) => [a.accountIdentifier, a.status, a.currentBalance, a.currencyCode])).toEqual([
        ['acme-q4-bonus', 'ACTIVE', 250.75, 'USD'],
        ['acme-frozen', 'FROZEN', 0, 'USD'],
        ['globex-eur', 'ACTIVE', 0, 'EUR'],
      ]);
      const globex = await server
        .client()
        .GET('/customers/{customerIdentifier}', { params: { path: { customerIdentifier: 'globex-eu' } } });
      expect(globex.data?.createdAt).toBe('2026-01-15T09:00:00.000Z');
    });

    test('a seed replaces what was there, and a fixture that repeats an identifier or name changes nothing (409)', async () => {
      await server.client().POST('/customers', { body: { customerIdentifier: 'before-seed', displayName: 'Before the seed' } });
      await sandbox().POST('/seed', { body: FIXTURE });
      expect(await customerIds()).toEqual(['globex-eu', 'acme-retail-us']);
      const twice = { customers: [FIXTURE.customers[0]!, { ...FIXTURE.customers[0]!, accounts: [] }] };
      const repeated = [
        [twice, '409.012'],
        [
          { customers: [FIXTURE.customers[0]!, { ...FIXTURE.customers[1]!, accounts: FIXTURE.customers[0]!.accounts!.slice(0, 1) }] },
          '409.018',
        ],
        [
          {
            customers: [
              { ...FIXTURE.customers[1]!, accounts: [{ ...FIXTURE.customers[1]!.accounts![0]!, displayName: 'Q4 bonus pool' }] },
              FIXTURE.customers[0]!,
            ],
          },
          '409.017',
        ],
      ] as const;
      for (const [fixture, key] of repeated) {
        const { error, response } = await sandbox().POST('/seed', { body: fixture as SeedFixture });
        expect(response.status, key).toBe(409);
        expect(error?.i18nKey).toBe(key);
      }
      expect(await customerIds()).toEqual(['globex-eu', 'acme-retail-us']);
    });

    test('a fixture that breaks the API rules is a 400 naming the field', async () => {
      const bad = { customers: [{ customerIdentifier: 'ab', displayName: 'Too short an id' }] };
      const { error, response } = await sandbox().POST('/seed', { body: bad as SeedFixture });
      expect(response.status).toBe(400);
      expect(error?.errors?.[0]).toMatchObject({ path: 'customers[0].customerIdentifier', i18nKey: '422.501' });
    });

    test('reset empties the platform and nothing else', async () => {
      await sandbox().POST('/seed', { body: FIXTURE });
      await sandbox(server.two).POST('/seed', { body: FIXTURE });
      const { data } = await sandbox().POST('/reset');
      expect(data).toEqual(EMPTY);
      expect((await server.client().GET('/accounts')).data).toEqual([]);
      expect((await server.client(server.two).GET('/accounts')).data).toHaveLength(3);
      await sandbox(server.two).POST('/reset');
    });

    test("reset keeps the platform's set-up: fault rules, clock, snapshots", async () => {
      const { data: snapshot } = await sandbox().POST('/snapshots');
      await sandbox().POST('/faults', { body: { operationId: 'getAccount', answer: { type: 'error', i18nKey: '503.001' } } });
      await sandbox().PUT('/clock', { body: { now: '2031-03-01T08:00:00.000Z' } });
      expect((await sandbox().POST('/reset')).response.status).toBe(200);
      expect((await sandbox().GET('/faults')).data).toHaveLength(1);
      expect((await sandbox().GET('/clock')).data?.now.slice(0, 7)).toBe('2031-03');
      const restored = await sandbox().POST('/snapshots/{snapshotId}/restore', { params: { path: { snapshotId: snapshot!.snapshotId } } });
      expect(restored.response.status).toBe(200);
    });

    test('ten seeds of one platform at once all succeed, one after the other, and the platform holds the fixture once', async () => {
      const answers = await Promise.all(Array.from({ length: 10 }, () => sandbox().POST('/seed', { body: FIXTURE })));
      expect(answers.map((answer) => answer.response.status)).toEqual(Array.from({ length: 10 }, () => 200));
      expect((await customerIds()).sort()).toEqual(['acme-retail-us', 'globex-eu']);
      expect((await accounts()).length).toBe(3);
    });

    test('restore puts back exactly what the snapshot held: identifiers, numbers, createdAt, balances, statuses', async () => {
      await sandbox().POST('/seed', { body: FIXTURE });
      await server.client().POST('/customers/{customerIdentifier}/accounts', {
        params: { path: { customerIdentifier: 'globex-eu' } },
        body: { accountIdentifier: 'globex-late', displayName: 'Opened after the seed', contactEmail: 'ap@globex.example' },
      });
      await sandbox().PUT('/accounts/{accountIdentifier}/status', {
        params: { path: { accountIdentifier: 'globex-eur' } },
        body: { status: 'DISABLED' },
      });
      const before = { customers: (await server.client().GET('/customers')).data, accounts: (await server.client().GET('/accounts')).data };
      const { data: snapshot, response } = await sandbox().POST('/snapshots');
      expect(response.status).toBe(201);
      expect(snapshot?.rows).toEqual({ ...EMPTY, customers: 2, accounts: 4, credit_cards: 1, ledger_entries: 1 });

      await sandbox().POST('/reset');
      // Rows created after the reset (here by another platform) may take the freed ids.
      await sandbox(server.two).POST('/seed', { body: FIXTURE });
      await server.client().POST('/customers', { body: { customerIdentifier: 'after-snapshot', displayName: 'After the snapshot' } });

      const restored = await sandbox().POST('/snapshots/{snapshotId}/restore', { params: { path: { snapshotId: snapshot!.snapshotId } } });
      expect(restored.data).toEqual(snapshot);
      expect({
        customers: (await server.client().GET('/customers')).data,
        accounts: (await server.client().GET('/accounts')).data,
      }).toEqual(before);
      expect((await server.client(server.two).GET('/accounts')).data).toHaveLength(3);
      await sandbox(server.two).POST('/reset');

      // Restored twice, the same again.
      await sandbox().POST('/snapshots/{snapshotId}/restore', { params: { path: { snapshotId: snapshot!.snapshotId } } });
      expect((await server.client().GET('/accounts')).data).toEqual(before.accounts);
    });

    test("a snapshot deleted is gone (404.001 to restore or delete again); another platform's cannot be deleted", async () => {
      const { data: snapshot } = await sandbox().POST('/snapshots');
      const params = { params: { path: { snapshotId: snapshot!.snapshotId } } };
      const theirs = await sandbox(server.two).DELETE('/snapshots/{snapshotId}', params);
      expect([theirs.response.status, theirs.error?.i18nKey]).toEqual([404, '404.001']);
      expect((await sandbox().POST('/snapshots/{snapshotId}/restore', params)).response.status).toBe(200);
      const removed = await sandbox().DELETE('/snapshots/{snapshotId}', params);
      expect([removed.response.status, removed.data]).toEqual([200, { snapshotId: snapshot!.snapshotId }]);
      expect((await sandbox().POST('/snapshots/{snapshotId}/restore', params)).error?.i18nKey).toBe('404.001');
      expect((await sandbox().DELETE('/snapshots/{snapshotId}', params)).error?.i18nKey).toBe('404.001');
      expect((await control('DELETE', `/snapshots/${snapshot!.snapshotId}`, server.oneReadOnly)).status).toBe(403);
    });

    test('a snapshot whose account number another platform now holds is a 409.001, and nothing is restored', async () => {
      await sandbox().POST('/seed', { body: FIXTURE });
      const [taken] = await accounts();
      const { data: snapshot } = await sandbox().POST('/snapshots');
      await sandbox().POST('/reset');
      await server.client().POST('/customers', { body: { customerIdentifier: 'after-the-reset', displayName: 'After the reset' } });
      // Account numbers are unique across platforms: platform two gets the snapshot's (as a draw could).
      await sandbox(server.two).POST('/seed', { body: FIXTURE });
      await server.sql(
        'UPDATE accounts SET account_number = ? WHERE platform_id = (SELECT id FROM platforms WHERE name = ?) AND account_identifier = ?',
        [taken!.accountNumber, server.two.name, 'globex-eur'],
      );
      const restored = await sandbox().POST('/snapshots/{snapshotId}/restore', { params: { path: { snapshotId: snapshot!.snapshotId } } });
      expect(restored.response.status).toBe(409);
      expect(restored.error).toMatchObject({
        i18nKey: '409.001',
        message: 'The snapshot cannot be restored: another platform now holds one of its values (accountNumber).',
      });
      expect(await customerIds()).toEqual(['after-the-reset']);
      await sandbox(server.two).POST('/reset');
    });

    test("a platform cannot restore another's snapshot, nor one that does not exist (404.001)", async () => {
      const { data: snapshot } = await sandbox().POST('/snapshots');
      const other = await sandbox(server.two).POST('/snapshots/{snapshotId}/restore', {
        params: { path: { snapshotId: snapshot!.snapshotId } },
      });
      expect(other.response.status).toBe(404);
      expect(other.error?.i18nKey).toBe('404.001');
      const bad = await control('POST', '/snapshots/not-a-uuid/restore', server.one);
      expect(bad.status).toBe(400);
    });

    test('read-only credentials may not change state (403.017), limited ones may not use the controls (403.007)', async () => {
      for (const [method, path, body] of [
        ['POST', '/reset', undefined],
        ['POST', '/snapshots', undefined],
        ['POST', '/seed', FIXTURE],
        ['POST', '/faults', { operationId: 'getAccount', answer: { type: 'drop' } }],
        ['POST', '/clock/advance', { milliseconds: 1 }],
        ['PUT', '/rate-limit', { enabled: true }],
        ['DELETE', '/clock', undefined],
      ] as const) {
        expect(await (await control(method, path, server.oneReadOnly, body)).json(), path).toMatchObject({ i18nKey: '403.017' });
        expect(await (await control(method, path, server.oneRestricted, body)).json(), path).toMatchObject({ i18nKey: '403.007' });
      }
      expect((await control('GET', '/clock', server.oneReadOnly)).status).toBe(200);
      expect((await control('GET', '/faults', server.oneReadOnly)).status).toBe(200);
    });
  });

  describe('account status', () => {
    test('sets any status of the list; an unknown account is 404.016, an unknown status 400', async () => {
      await sandbox().POST('/seed', { body: FIXTURE });
      for (const status of ['INACTIVE', 'DISABLED', 'FROZEN', 'DELETED', 'ACTIVE'] as const) {
        const { data } = await sandbox().PUT('/accounts/{accountIdentifier}/status', {
          params: { path: { accountIdentifier: 'acme-q4-bonus' } },
          body: { status },
        });
        expect(data?.status).toBe(status);
        const read = await server
          .client()
          .GET('/accounts/{accountIdentifier}', { params: { path: { accountIdentifier: 'acme-q4-bonus' } } });
        expect(read.data?.status).toBe(status);
      }
      const missing = await sandbox().PUT('/accounts/{accountIdentifier}/status', {
        params: { path: { accountIdentifier: 'no-such-account' } },
        body: { status: 'FROZEN' },
      });
      expect(missing.error?.i18nKey).toBe('404.016');
      const other = await sandbox(server.two).PUT('/accounts/{accountIdentifier}/status', {
        params: { path: { accountIdentifier: 'acme-q4-bonus' } },
        body: { status: 'FROZEN' },
      });
      expect(other.error?.i18nKey).toBe('404.016');
      expect((await control('PUT', '/accounts/acme-q4-bonus/status', server.one, { status: 'CLOSED' })).status).toBe(400);
    });
  });

  describe('faults', () => {
    test('a counted rule answers its error that many times, and the operation is not performed meanwhile', async () => {
      const rule = await sandbox().POST('/faults', {
        body: { operationId: 'createCustomer', times: 2, answer: { type: 'error', i18nKey: '503.001' } },
      });
      expect(rule.response.status).toBe(201);
      expect(rule.data).toMatchObject({ operationId: 'createCustomer', times: 2, remaining: 2, probability: 1, seed: 0 });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const { response, error } = await server
          .client()
          .POST('/customers', { body: { customerIdentifier: `faulted-${i}x`, displayName: 'Faulted customer' } });
        statuses.push(response.status);
        if (response.status === 503) expect(error).toMatchObject({ i18nKey: '503.001', httpCode: 503, message: 'Service Unavailable' });
      }
      expect(statuses).toEqual([503, 503, 201]);
      expect(await customerIds()).toEqual(['faulted-2x']);
      expect((await sandbox().GET('/faults')).data?.[0]?.remaining).toBe(0);
      // Another platform is untouched by this platform's rules.
      expect((await server.client(server.two).GET('/customers')).response.status).toBe(200);
    });

    test('a 429 carries Retry-After; an error keeps the catalogue message with the request identifiers', async () => {
      await sandbox().POST('/faults', {
        body: { operationId: 'createCustomer', times: 1, answer: { type: 'error', i18nKey: '429.001', retryAfterSeconds: 7 } },
      });
      await sandbox().POST('/faults', { body: { operationId: 'createCustomer', times: 1, answer: { type: 'error', i18nKey: '409.012' } } });
      const throttled = await server
        .client()
        .POST('/customers', { body: { customerIdentifier: 'retry-later', displayName: 'Retry later' } });
      expect(throttled.response.status).toBe(429);
      expect(throttled.response.headers.get('Retry-After')).toBe('7');
      const conflict = await server
        .client()
        .POST('/customers', { body: { customerIdentifier: 'retry-later', displayName: 'Retry later' } });
      expect(conflict.error).toMatchObject({
        httpCode: 409,
        i18nKey: '409.012',
        message: 'This customer identifier, retry-later exists already for this platform',
      });
    });

    test('latency delays the operation, which then answers; a drop closes the connection without an answer', async () => {
      await sandbox().POST('/seed', { body: FIXTURE });
      await sandbox().POST('/faults', { body: { operationId: 'getAccount', times: 1, answer: { type: 'latency', latencyMs: 50 } } });
      const late = await server.client().GET('/accounts/{accountIdentifier}', { params: { path: { accountIdentifier: 'acme-q4-bonus' } } });
      expect(late.data?.accountIdentifier).toBe('acme-q4-bonus');
      await sandbox().POST('/faults', { body: { operationId: 'getAccount', times: 1, answer: { type: 'drop' } } });
      await expect(fetch(`${server.baseUrl}/accounts/acme-q4-bonus`, { headers: { Authorization: basic(server.one) } })).rejects.toThrow();
      expect(
        (await server.client().GET('/accounts/{accountIdentifier}', { params: { path: { accountIdentifier: 'acme-q4-bonus' } } })).response
          .status,
      ).toBe(200);
    });

    test('a probability rule gives the same sequence for the same seed', async () => {
      const sequence = async () => {
        await sandbox().DELETE('/faults');
        await sandbox().POST('/faults', {
          body: { operationId: 'listAccounts', probability: 0.5, seed: 42, answer: { type: 'error', i18nKey: '503.001' } },
        });
        const statuses: number[] = [];
        for (let i = 0; i < 16; i++) statuses.push((await server.client().GET('/accounts')).response.status);
        return statuses;
      };
      const first = await sequence();
      expect(await sequence()).toEqual(first);
      expect(first).toEqual(Array.from({ length: 16 }, (_, i) => (draws(42, i + 1, 0.5) ? 503 : 200)));
      expect(new Set(first)).toEqual(new Set([200, 503]));
    });

    test('the X-Sandbox-Fault header answers one request without a rule; a value it cannot read is a 400', async () => {
      const headers = (value: string) => ({ Authorization: basic(server.one), 'X-Sandbox-Fault': value });
      const unavailable = await fetch(`${server.baseUrl}/customers`, { headers: headers('error=503.001') });
      expect(unavailable.status).toBe(503);
      expect(await unavailable.json()).toMatchObject({ i18nKey: '503.001' });
      const throttled = await fetch(`${server.baseUrl}/customers`, { headers: headers('error=429.008; retry-after=3') });
      expect([throttled.status, throttled.headers.get('Retry-After')]).toEqual([429, '3']);
      expect((await fetch(`${server.baseUrl}/customers`, { headers: headers('latency=20') })).status).toBe(200);
      await expect(fetch(`${server.baseUrl}/customers`, { headers: headers('drop') })).rejects.toThrow();
      // 402.001 is a catalogue error, but listCustomers documents no 402.
      for (const value of ['error=999.999', 'error=402.001', 'explode', 'latency=99999']) {
        const response = await fetch(`${server.baseUrl}/customers`, { headers: headers(value) });
        expect(response.status, value).toBe(400);
        expect(((await response.json()) as ErrorInfo).errors?.[0]?.path).toBe('X-Sandbox-Fault');
      }
      expect((await fetch(`${server.baseUrl}/customers`, { headers: { Authorization: basic(server.one) } })).status).toBe(200);
    });

    test('a rule names an operation of the API and an answer of the catalogue', async () => {
      const unknown = await sandbox().POST('/faults', { body: { operationId: 'deleteEverything', answer: { type: 'drop' } } });
      expect(unknown.error?.errors?.[0]).toMatchObject({ path: 'operationId', i18nKey: '422.021' });
      const key = await sandbox().POST('/faults', { body: { operationId: 'getAccount', answer: { type: 'error', i18nKey: '999.001' } } });
      expect(key.error?.errors?.[0]).toMatchObject({ path: 'answer.i18nKey' });
      const undocumented = await sandbox().POST('/faults', {
        body: { operationId: 'getCustomer', answer: { type: 'error', i18nKey: '409.012' } },
      });
      expect(undocumented.error?.errors?.[0]).toMatchObject({ path: 'answer.i18nKey', invalidValue: '409.012' });
      const latency = await sandbox().POST('/faults', { body: { operationId: 'getAccount', answer: { type: 'latency' } } });
      expect(latency.error?.errors?.[0]).toMatchObject({ path: 'answer.latencyMs', i18nKey: '422.128' });
      expect((await sandbox().GET('/faults')).data).toEqual([]);
      const removed = await sandbox().DELETE('/faults');
      expect(removed.data).toEqual({ removed: 0 });
    });

    test('the rate limit emulation reads as set: off by default, on after a PUT, for this platform only', async () => {
      expect((await sandbox().GET('/rate-limit')).data).toEqual({ enabled: false });
      expect((await sandbox().PUT('/rate-limit', { body: { enabled: true } })).data).toEqual({ enabled: true });
      const read = await sandbox().GET('/rate-limit');
      expect([read.response.status, read.data]).toEqual([200, { enabled: true }]);
      expect((await sandbox(server.two).GET('/rate-limit')).data).toEqual({ enabled: false });
      // A read-only credential may read it; a customer-limited one may not use the controls.
      const readOnly = await control('GET', '/rate-limit', server.oneReadOnly);
      expect([readOnly.status, await readOnly.json()]).toEqual([200, { enabled: true }]);
      expect(await (await control('GET', '/rate-limit', server.oneRestricted)).json()).toMatchObject({ i18nKey: '403.007' });
      await sandbox().PUT('/rate-limit', { body: { enabled: false } });
      expect((await sandbox().GET('/rate-limit')).data).toEqual({ enabled: false });
    });

    test('the rate limit emulation answers 429.008 with Retry-After past one request a second', async () => {
      await sandbox().PUT('/rate-limit', { body: { enabled: true } });
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => fetch(`${server.baseUrl}/customers`, { headers: { Authorization: basic(server.one) } })),
      );
      const statuses = answers.map((answer) => answer.status);
      expect(statuses).toContain(200);
      const limited = answers.filter((answer) => answer.status === 429);
      expect(limited.length).toBeGreaterThan(0);
      expect(limited[0]!.headers.get('Retry-After')).toBe('1');
      expect(await limited[0]!.json()).toMatchObject({ i18nKey: '429.008', message: 'Platform rate limit 1 TPS threshold reached.' });
      // Another platform is not limited.
      const others = await Promise.all(
        Array.from({ length: 3 }, () => fetch(`${server.baseUrl}/customers`, { headers: { Authorization: basic(server.two) } })),
      );
      expect(others.map((answer) => answer.status)).toEqual([200, 200, 200]);
      await sandbox().PUT('/rate-limit', { body: { enabled: false } });
    });
  });

  describe('money and funding', () => {
    /** The seeded card's token, chosen by the fixture (tokens are unique per platform). */
    const CARD_TOKEN = `c0ffee${'0'.repeat(34)}`;
    const deposit = (amount: number, accountIdentifier = 'acme-q4-bonus') =>
      server.client().POST('/creditCardDeposits', {
        body: { customerIdentifier: 'acme-retail-us', accountIdentifier, creditCardToken: CARD_TOKEN, amount },
      });
    const balance = async (accountIdentifier = 'acme-q4-bonus') =>
      (await server.client().GET('/accounts/{accountIdentifier}', { params: { path: { accountIdentifier } } })).data?.currentBalance;
    const adjust = (amount: number, accountIdentifier = 'acme-q4-bonus') =>
      sandbox().POST('/accounts/{accountIdentifier}/adjustments', { params: { path: { accountIdentifier } }, body: { amount } });

    beforeEach(async () => {
      const [acme, globex] = FIXTURE.customers;
      const [bonus, frozen] = acme!.accounts!;
      const withToken = { ...bonus!, creditCards: [{ ...bonus!.creditCards![0]!, token: CARD_TOKEN }] };
      const seeded = await sandbox().POST('/seed', { body: { customers: [{ ...acme!, accounts: [withToken, frozen!] }, globex!] } });
      expect(seeded.response.status).toBe(200);
    });

    test('two platforms seed the same fixture, card token included: each holds its own card', async () => {
      const bonus = FIXTURE.customers[0]!.accounts![0]!;
      const same = {
        customers: [
          { ...FIXTURE.customers[0]!, accounts: [{ ...bonus, creditCards: [{ ...bonus.creditCards![0]!, token: CARD_TOKEN }] }] },
        ],
      };
      const { data, response } = await sandbox(server.two).POST('/seed', { body: same });
      expect(response.status).toBe(200);
      expect(data?.credit_cards).toBe(1);
      // Each platform funds from its own card of that token, into its own account.
      expect((await deposit(10)).data?.status).toBe('SUCCESS');
      const theirs = await server.client(server.two).POST('/creditCardDeposits', {
        body: { customerIdentifier: 'acme-retail-us', accountIdentifier: 'acme-q4-bonus', creditCardToken: CARD_TOKEN, amount: 5 },
      });
      expect(theirs.data?.status).toBe('SUCCESS');
      expect(await balance()).toBe(260.75);
      const other = await server.client(server.two).GET('/accounts/{accountIdentifier}', {
        params: { path: { accountIdentifier: 'acme-q4-bonus' } },
      });
      expect(other.data?.currentBalance).toBe(255.75);
      await sandbox(server.two).POST('/reset');
    });

    test('a snapshot restores its card after another platform took the same token meanwhile', async () => {
      const { data: snapshot } = await sandbox().POST('/snapshots');
      expect((await sandbox().POST('/reset')).response.status).toBe(200);
      const bonus = FIXTURE.customers[0]!.accounts![0]!;
      const taken = await sandbox(server.two).POST('/seed', {
        body: {
          customers: [
            { ...FIXTURE.customers[0]!, accounts: [{ ...bonus, creditCards: [{ ...bonus.creditCards![0]!, token: CARD_TOKEN }] }] },
          ],
        },
      });
      expect(taken.response.status).toBe(200);
      const restored = await sandbox().POST('/snapshots/{snapshotId}/restore', { params: { path: { snapshotId: snapshot!.snapshotId } } });
      expect(restored.response.status).toBe(200);
      expect(restored.data?.rows.credit_cards).toBe(1);
      expect((await deposit(10)).data?.status).toBe('SUCCESS');
      await sandbox(server.two).POST('/reset');
    });

    test('a token repeated within the fixture is a 409.001, and changes nothing', async () => {
      const bonus = FIXTURE.customers[0]!.accounts![0]!;
      const card = { ...bonus.creditCards![0]!, token: CARD_TOKEN };
      const repeated = {
        customers: [{ ...FIXTURE.customers[0]!, accounts: [{ ...bonus, creditCards: [card, { ...card, label: 'Twin' }] }] }],
      };
      const { error, response } = await sandbox(server.two).POST('/seed', { body: repeated });
      expect([response.status, error?.i18nKey]).toEqual([409, '409.001']);
      expect(await customerIds(server.two)).toEqual([]);
    });

    test('a seeded balance is a ledger entry and its card funds at once', async () => {
      const card = await server.client().GET('/creditCards/{token}', { params: { path: { token: CARD_TOKEN } } });
      expect(card.data).toMatchObject({ status: 'ACTIVE', lastFourDigits: '1111', accountIdentifier: 'acme-q4-bonus' });
      expect((await deposit(10)).data?.status).toBe('SUCCESS');
      expect(await balance()).toBe(260.75);
      expect((await server.store.verifyLedger()).differences).toEqual([]);
    });

    test('adjustments credit and debit exactly, never below 0, as adjustment ledger entries', async () => {
      expect((await adjust(100)).data?.currentBalance).toBe(350.75);
      expect((await adjust(-50.75)).data?.currentBalance).toBe(300);
      const overdraw = await adjust(-300.01);
      expect([overdraw.response.status, overdraw.error?.i18nKey]).toEqual([402, '402.001']);
      expect(await balance()).toBe(300);
      const tooPrecise = await adjust(0.005);
      expect([tooPrecise.response.status, tooPrecise.error?.errors?.[0]?.i18nKey]).toEqual([400, '422.014']);
      expect((await adjust(0)).response.status).toBe(400);
      expect((await adjust(1, 'no-such-account')).error?.i18nKey).toBe('404.016');
      expect(
        (
          await adjust(1, 'acme-q4-bonus').then(() =>
            sandbox(server.two).POST('/accounts/{accountIdentifier}/adjustments', {
              params: { path: { accountIdentifier: 'acme-q4-bonus' } },
              body: { amount: 5 },
            }),
          )
        ).error?.i18nKey,
      ).toBe('404.016');
      expect((await server.store.verifyLedger()).differences).toEqual([]);
      const ro = await control('POST', '/accounts/acme-q4-bonus/adjustments', server.oneReadOnly, { amount: 1 });
      expect(((await ro.json()) as ErrorInfo).i18nKey).toBe('403.017');
    });

    test('an account that is not ACTIVE is refused by every funding operation as the reference says', async () => {
      for (const status of ['INACTIVE', 'DISABLED', 'FROZEN'] as const) {
        await sandbox().PUT('/accounts/{accountIdentifier}/status', {
          params: { path: { accountIdentifier: 'acme-q4-bonus' } },
          body: { status },
        });
        const refused = await deposit(10);
        expect([refused.response.status, refused.error?.i18nKey], status).toEqual([422, '422.004']);
        const transfer = await server
          .client()
          .POST('/transferFunds', { body: { transferFrom: 'acme-q4-bonus', transferTo: 'acme-frozen', amount: 1 } });
        expect(transfer.error?.i18nKey, status).toBe('422.004');
      }
      const register = await server.client().POST('/creditCards', {
        body: sandboxCardRequest('acme-retail-us', 'acme-q4-bonus', { label: 'Second card' }),
      });
      expect(register.error?.i18nKey).toBe('422.156');
      await sandbox().PUT('/accounts/{accountIdentifier}/status', {
        params: { path: { accountIdentifier: 'acme-q4-bonus' } },
        body: { status: 'ACTIVE' },
      });
      expect((await deposit(10)).data?.status).toBe('SUCCESS');
    });

    test('a Pending deposit settles now, to SUCCESS (credited) or DECLINED (nothing moves), once', async () => {
      const pending = (await deposit(1001)).data!;
      expect(pending.status).toBe('PENDING');
      const settle = (referenceDepositID: string, status: 'SUCCESS' | 'DECLINED') =>
        sandbox().POST('/deposits/{referenceDepositID}/settle', { params: { path: { referenceDepositID } }, body: { status } });
      const settled = await settle(pending.referenceDepositID, 'SUCCESS');
      expect(settled.data).toMatchObject({ referenceDepositID: pending.referenceDepositID, status: 'SUCCESS', amount: 1001 });
      expect(await balance()).toBe(1251.75);
      const again = await settle(pending.referenceDepositID, 'DECLINED');
      expect([again.response.status, again.error?.i18nKey]).toEqual([409, '409.001']);

      const other = (await deposit(1001)).data!;
      expect((await settle(other.referenceDepositID, 'DECLINED')).data?.status).toBe('DECLINED');
      expect(await balance()).toBe(1251.75);
      expect((await settle('RAD-261201-99999999', 'SUCCESS')).error?.i18nKey).toBe('404.011');
      expect((await server.store.verifyLedger()).differences).toEqual([]);
    });

    test('advancing the clock resolves Pending deposits; card activation and new objects follow the clock', async () => {
      const pending = (await deposit(1001)).data!;
      await sandbox().POST('/clock/advance', { body: { milliseconds: 60_000 } });
      const read = await server.client().GET('/creditCardDeposits/{referenceDepositID}', {
        params: { path: { referenceDepositID: pending.referenceDepositID } },
      });
      expect(read.data?.status).toBe('SUCCESS');
      expect(await balance()).toBe(1251.75);
      await sandbox().PUT('/clock', { body: { now: '2031-03-01T08:00:00.000Z' } });
      const card = await server.client().POST('/creditCards', {
        body: {
          customerIdentifier: 'globex-eu',
          accountIdentifier: 'globex-eur',
          ipAddress: '203.0.113.10',
          label: 'Card of 2031',
          creditCard: { number: '5555555555554444', verificationNumber: '123', expiration: '2099-12' },
          billingAddress: {
            firstName: 'Pat',
            lastName: 'Jones',
            addressLine1: '1 Main St',
            city: 'Berlin',
            state: 'BE',
            postalCode: '10115',
            country: 'DE',
            emailAddress: 'pat@globex.example',
          },
        },
      });
      expect(card.data?.activationDate?.slice(0, 7)).toBe('2031-03');
      expect(card.data?.createdDate?.slice(0, 7)).toBe('2031-03');
    });

    test('a snapshot restores cards, deposits, transfers, ledger and alerts exactly', async () => {
      await deposit(40);
      // acme-frozen is FROZEN in the fixture: a transfer to it is refused, and moves nothing…
      const refused = await server
        .client()
        .POST('/transferFunds', { body: { transferFrom: 'acme-q4-bonus', transferTo: 'acme-frozen', amount: 5 } });
      expect([refused.response.status, refused.error?.i18nKey]).toEqual([422, '422.004']);
      expect(await balance()).toBe(290.75);
      // …until the control activates it.
      await sandbox().PUT('/accounts/{accountIdentifier}/status', {
        params: { path: { accountIdentifier: 'acme-frozen' } },
        body: { status: 'ACTIVE' },
      });
      const moved = await server
        .client()
        .POST('/transferFunds', { body: { transferFrom: 'acme-q4-bonus', transferTo: 'acme-frozen', amount: 5 } });
      expect(moved.response.status).toBe(200);
      await server.client().POST('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance', {
        params: { path: { customerIdentifier: 'acme-retail-us', accountIdentifier: 'acme-q4-bonus' } },
        body: { balanceAlertDisplayName: 'Running low', balanceAlertThreshold: 50 },
      });
      const state = async () => ({
        accounts: await accounts(),
        cards: (await server.client().GET('/creditCards')).data,
        alerts: (
          await server.client().GET('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance', {
            params: { path: { customerIdentifier: 'acme-retail-us', accountIdentifier: 'acme-q4-bonus' } },
          })
        ).data,
      });
      const before = await state();
      const { data: snapshot } = await sandbox().POST('/snapshots');
      expect(snapshot?.rows).toEqual({
        customers: 2,
        accounts: 3,
        credit_cards: 1,
        deposits: 1,
        transfers: 1,
        ledger_entries: 4,
        low_balance_alerts: 1,
      });
      await sandbox().POST('/reset');
      await sandbox().POST('/snapshots/{snapshotId}/restore', { params: { path: { snapshotId: snapshot!.snapshotId } } });
      expect(await state()).toEqual(before);
      expect((await server.store.verifyLedger()).differences).toEqual([]);
      // The restored card funds the restored account.
      expect((await deposit(1)).data?.status).toBe('SUCCESS');
    });
  });

  describe('test clock', () => {
    test('advances made at once all count', async () => {
      await Promise.all(Array.from({ length: 10 }, () => sandbox().POST('/clock/advance', { body: { milliseconds: 1000 } })));
      expect((await sandbox().GET('/clock')).data?.offsetMs).toBe(10_000);
    });

    test('the clock never passes 9999-12-31T23:59:59.999Z: a PUT or an advance beyond is a 400, and nothing moves', async () => {
      const last = await sandbox().PUT('/clock', { body: { now: '9999-12-31T23:00:00.000Z' } });
      expect(last.response.status).toBe(200);
      const offset = last.data!.offsetMs;
      const advance = await control('POST', '/clock/advance', server.one, { milliseconds: 86_400_000 });
      expect(advance.status).toBe(400);
      expect(((await advance.json()) as ErrorInfo).errors?.map((error) => error.path)).toEqual(['milliseconds']);
      // Ten advances at once: none passes the cap, whichever order they run in.
      const many = await Promise.all(
        Array.from({ length: 10 }, () => control('POST', '/clock/advance', server.one, { milliseconds: 3_600_000 })),
      );
      expect(many.map((answer) => answer.status)).toEqual(Array.from({ length: 10 }, () => 400));
      expect((await sandbox().GET('/clock')).data?.offsetMs).toBe(offset);
      // The API still answers, its times in RFC 3339.
      const created = await server.client().POST('/customers', { body: { customerIdentifier: 'last-year', displayName: 'Year 9999' } });
      expect(created.data?.createdAt.slice(0, 4)).toBe('9999');
      const beyond = await control('PUT', '/clock', server.one, { now: '9999-12-31T23:59:59-01:00' });
      expect(beyond.status).toBe(400);
      expect(((await beyond.json()) as ErrorInfo).errors?.map((error) => error.path)).toEqual(['now']);
      expect((await sandbox().GET('/clock')).data?.offsetMs).toBe(offset);
    });

    test("snapshots and fault rules are stamped by the platform's clock", async () => {
      await sandbox().PUT('/clock', { body: { now: '2031-03-01T08:00:00.000Z' } });
      expect((await sandbox().POST('/snapshots')).data?.createdAt.slice(0, 7)).toBe('2031-03');
      const rule = await sandbox().POST('/faults', {
        body: { operationId: 'getAccount', answer: { type: 'error', i18nKey: '503.001' } },
      });
      expect(rule.data?.createdAt.slice(0, 7)).toBe('2031-03');
    });

    test('advance, set and reset move the createdAt of new objects, for this platform only', async () => {
      const day = 86_400_000;
      const advanced = await sandbox().POST('/clock/advance', { body: { milliseconds: day } });
      expect(advanced.data?.offsetMs).toBe(day);
      const later = await server.client().POST('/customers', { body: { customerIdentifier: 'tomorrow', displayName: 'Created tomorrow' } });
      expect(Date.parse(later.data!.createdAt)).toBeGreaterThan(Date.now() + day / 2);
      const elsewhere = await server
        .client(server.two)
        .POST('/customers', { body: { customerIdentifier: `today-${kind}`, displayName: 'Created today' } });
      expect(Date.parse(elsewhere.data!.createdAt)).toBeLessThan(Date.now() + day / 2);

      const set = await sandbox().PUT('/clock', { body: { now: '2030-06-01T12:00:00.000Z' } });
      expect(set.data?.now.slice(0, 13)).toBe('2030-06-01T12');
      const account = await server.client().POST('/customers/{customerIdentifier}/accounts', {
        params: { path: { customerIdentifier: 'tomorrow' } },
        body: { accountIdentifier: 'in-2030', displayName: 'Opened in 2030', contactEmail: 'a@b.example' },
      });
      expect(account.data?.createdAt.slice(0, 7)).toBe('2030-06');
      expect((await sandbox().GET('/clock')).data?.now.slice(0, 7)).toBe('2030-06');

      const reset = await sandbox().DELETE('/clock');
      expect(reset.data?.offsetMs).toBe(0);
      const now = await server.client().POST('/customers', { body: { customerIdentifier: 'back-today', displayName: 'Created today' } });
      expect(Date.parse(now.data!.createdAt)).toBeLessThan(Date.now() + day / 2);
      expect((await control('POST', '/clock/advance', server.one, { milliseconds: -1 })).status).toBe(400);
    });
  });

  describe('drop-after', () => {
    test('the header performs the operation, then closes the connection instead of its answer', async () => {
      const request = fetch(`${server.baseUrl}/customers`, {
        method: 'POST',
        headers: { Authorization: basic(server.one), 'Content-Type': 'application/json', 'X-Sandbox-Fault': 'drop-after' },
        body: JSON.stringify({ customerIdentifier: 'answer-lost', displayName: 'Answer lost' }),
      });
      await expect(request).rejects.toThrow();
      expect(await customerIds()).toEqual(['answer-lost']);
      // The retry a client makes then meets the customer its first try created.
      const retried = await server.client().POST('/customers', { body: { customerIdentifier: 'answer-lost', displayName: 'Answer lost' } });
      expect([retried.response.status, retried.error?.i18nKey]).toEqual([409, '409.012']);
    });

    test('a rule does the same, and a plain drop performs nothing', async () => {
      const rule = await sandbox().POST('/faults', { body: { operationId: 'createCustomer', times: 1, answer: { type: 'drop-after' } } });
      expect(rule.data?.answer).toEqual({ type: 'drop-after' });
      await expect(
        server.client().POST('/customers', { body: { customerIdentifier: 'by-rule', displayName: 'By rule' } }),
      ).rejects.toThrow();
      await sandbox().POST('/faults', { body: { operationId: 'createCustomer', times: 1, answer: { type: 'drop' } } });
      await expect(server.client().POST('/customers', { body: { customerIdentifier: 'never', displayName: 'Never' } })).rejects.toThrow();
      expect(await customerIds()).toEqual(['by-rule']);
    });
  });

  describe('dates no calendar holds', () => {
    const impossible = ['2026-13-01T00:00:00Z', '2026-01-01T29:00:00Z', '2026-12-31T23:59:60Z', '2026-02-30T00:00:00Z'];

    test.each(impossible)('PUT /clock %s is a 400 naming now, and the clock does not move', async (now) => {
      const answer = await control('PUT', '/clock', server.one, { now });
      expect(answer.status).toBe(400);
      const body = (await answer.json()) as ErrorInfo;
      expect(body.i18nKey).toBe('400.001');
      expect(body.errors?.map((error) => error.path)).toEqual(['now']);
      expect((await sandbox().GET('/clock')).data?.offsetMs).toBe(0);
    });

    test.each(impossible)('a seed createdAt %s is a 400 naming it, and nothing is written', async (createdAt) => {
      const [acme] = FIXTURE.customers;
      const account = { ...acme!.accounts![1]!, createdAt };
      for (const [fixture, path] of [
        [{ customers: [{ ...acme!, createdAt }] }, 'customers[0].createdAt'],
        [{ customers: [{ ...acme!, accounts: [account] }] }, 'customers[0].accounts[0].createdAt'],
      ] as const) {
        const answer = await control('POST', '/seed', server.one, fixture);
        expect(answer.status).toBe(400);
        expect(((await answer.json()) as ErrorInfo).errors?.map((error) => error.path)).toEqual([path]);
      }
      expect(await customerIds()).toEqual([]);
    });
  });

  test('the control spec is served, and an unknown control path is a 404.001', async () => {
    const spec = (await (await fetch(`${sandboxUrl()}/openapi.json`)).json()) as { info: { title: string } };
    expect(spec.info.title).toBe('RaaS Customers sandbox controls');
    const missing = await control('POST', '/nothing-here', server.one);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ i18nKey: '404.001' });
  });

  describe('every control', () => {
    const controls = sandboxOperations.all;
    /** Well-formed path parameters: these requests are refused before any of them is looked up. */
    /** Made-up values of the control spec's path parameters, by name: the identifiers need not exist. */
    const PATH_VALUES: Record<string, string> = {
      snapshotId: '8f14e45f-ceea-467a-9575-1d8f5e2a3c10',
      accountIdentifier: 'acme-q4-bonus',
      referenceDepositID: 'RAD-261201-5407',
    };
    // A parameter without a value fails naming the control, as contract.test.ts's sweeps do.
    const pathOf = (operation: SpecOperation) =>
      operation.path.replace(/\{(\w+)\}/g, (_, name: string) => {
        const value = PATH_VALUES[name];
        if (value === undefined) throw new Error(`no made-up value for the path parameter ${name} of ${operation.operationId}`);
        return value;
      });

    test('refuses missing credentials (401), a customer-limited credential (403.007) and a body that is not valid JSON (415, 413, 400)', async () => {
      for (const operation of controls) {
        const { method, operationId } = operation;
        const path = pathOf(operation);
        const body = exampleBody(operation);
        expect((await control(method, path, null, body)).status, operationId).toBe(401);
        expect(await (await control(method, path, server.oneRestricted, body)).json(), operationId).toMatchObject({ i18nKey: '403.007' });
        if (operation.bodySchema) {
          expect((await control(method, path, server.one, 'plain', { contentType: 'text/plain' })).status, operationId).toBe(415);
          expect((await control(method, path, server.one, JSON.stringify({ padding: 'x'.repeat(70_000) }))).status, operationId).toBe(413);
          expect((await control(method, path, server.one, [])).status, operationId).toBe(400);
        } else if (operation.statuses.has(400)) {
          expect((await control(method, fill(operation, 'not-an-id'), server.one)).status, operationId).toBe(400);
        }
      }
    });

    test('past the failed-authentication limit every control answers 429.001 with Retry-After', async () => {
      const throttled = await startTestServer(kind, { authFailureLimit: 1 });
      try {
        const wrong = { name: 'platform-one', key: 'w'.repeat(43) };
        expect((await control('GET', '/clock', wrong, undefined, { on: throttled })).status).toBe(401);
        for (const operation of controls) {
          const response = await control(operation.method, pathOf(operation), wrong, exampleBody(operation), { on: throttled });
          expect(response.status, operation.operationId).toBe(429);
          expect(Number(response.headers.get('Retry-After')), operation.operationId).toBeGreaterThanOrEqual(1);
          expect(await response.json(), operation.operationId).toMatchObject({ i18nKey: '429.001' });
        }
      } finally {
        await throttled.close();
      }
    });

    test('every control answers 503.001 while the database is unreachable', async () => {
      const down = await startTestServer(kind, { databaseDown: true });
      try {
        for (const operation of controls) {
          const response = await control(operation.method, pathOf(operation), down.one, exampleBody(operation), { on: down });
          expect(response.status, operation.operationId).toBe(503);
          expect(await response.json(), operation.operationId).toMatchObject({ i18nKey: '503.001' });
        }
      } finally {
        await down.close();
      }
    });
  });

  // Last, and order-dependent on purpose: vitest runs a file's tests in the order they are
  // written (no .concurrent, no shuffle here), and this one checks what every test above observed
  // on this store. Moved up, or run alone (-t), it fails: that is a filter, not a finding.
  test('every documented (operationId, status) pair of the controls except 500 was answered', () => {
    const documented = sandboxOperations.all.flatMap((operation) =>
      [...operation.statuses].filter((status) => status !== 500).map((status) => `${operation.operationId} ${status}`),
    );
    expect(documented.filter((pair) => !observed.has(pair))).toEqual([]);
    expect(documented.length).toBeGreaterThan(100);
  });
});
