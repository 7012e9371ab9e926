/**
 * Tenant isolation and credential handling.
 *   - A randomized two-platform run (fast-check, seed printed; SECURITY_SEED to reproduce), on both
 *     stores: hundreds of operations interleaved across platform one's full, read-only and
 *     restricted credentials and platform two's, on identifiers both platforms use. An in-test model
 *     of what each platform created predicts every answer exactly (status, body, list contents and
 *     order, counts, pages), so no answer can reveal, count or alter another platform's data; the
 *     raw text of every answer is also searched for the other platform's markers (its display
 *     names, emails and account numbers). The restricted credential sees only its two customers;
 *     the read-only one never changes anything (and the database equals the model at the end).
 *   - A wrong key and an unknown platform are indistinguishable: both 401 with identical bodies
 *     (apart from timestamp, requestId and path) and headers.
 *   - Logs at info and trace never contain a key, the Authorization value, the word
 *     "authorization", query strings or request bodies.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Account, AccountSummary, Customer } from '../src/domain/model.js';
import { STORE_KINDS, type Credentials, type TestServer, basic, startTestServer } from './support/harness.js';
import { type RawClient, type RawResponse, rawClient } from './support/http.js';
import { startServerProcess } from './support/process.js';
import { responseProblems, templateOf } from './support/spec.js';
import { temporaryDirectory } from '@raas-customers/test-kit';

const SEED = Number(process.env.SECURITY_SEED ?? 7_051_977);
const RUNS = 10;
const ACTIONS_PER_RUN = 80;

type Actor = 'one' | 'readOnly' | 'restricted' | 'two';
type Platform = 'one' | 'two';
const platformOf = (actor: Actor): Platform => (actor === 'two' ? 'two' : 'one');
const RESTRICTED_TO = ['restricted-one', 'restricted-two'];
/** Text only platform one's data contains, and only platform two's. */
const MARK: Record<Platform, string> = { one: 'PlatformUnoMark', two: 'PlatformDosMark' };

const CUSTOMERS = ['shared-alpha', 'shared-beta', 'restricted-one', 'restricted-two', 'lonely-gamma'];
const ACCOUNTS = ['acct-shared-1', 'acct-shared-2', 'acct-shared-3', 'acct-shared-4', 'acct-shared-5', 'acct-shared-6', 'acct-shared-7'];

type Action =
  | { op: 'createCustomer'; actor: Actor; customer: string }
  | { op: 'createAccount'; actor: Actor; customer: string; account: string; currency: string }
  | { op: 'patchAccount'; actor: Actor; customer: string; account: string; patch: { displayName?: string; contactEmail?: string } }
  | { op: 'getCustomer'; actor: Actor; customer: string }
  | { op: 'getAccount'; actor: Actor; account: string }
  | { op: 'listCustomers' | 'listAccounts'; actor: Actor; page: number | null }
  | { op: 'listCustomerAccounts'; actor: Actor; customer: string; page: number | null };

const actor = fc.constantFrom<Actor>('one', 'one', 'two', 'two', 'readOnly', 'restricted');
const customer = fc.constantFrom(...CUSTOMERS);
const account = fc.constantFrom(...ACCOUNTS);
const page = fc.option(fc.integer({ min: 1, max: 4 }), { nil: null });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('createCustomer' as const), actor, customer }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('createAccount' as const),
      actor,
      customer,
      account,
      currency: fc.constantFrom('USD', 'EUR', 'PLN'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('patchAccount' as const),
      actor,
      customer,
      account,
      patch: fc
        .record(
          {
            displayName: fc.integer({ min: 1, max: 99 }).map((n) => `renamed ${n}`),
            contactEmail: fc.integer({ min: 1, max: 99 }).map((n) => `new${n}@x.example`),
          },
          { requiredKeys: [] },
        )
        .filter((p) => Object.keys(p).length > 0),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('getCustomer' as const), actor, customer }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('getAccount' as const), actor, account }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('listCustomers' as const, 'listAccounts' as const), actor, page }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('listCustomerAccounts' as const), actor, customer, page }) },
);

interface Expected {
  status: number;
  i18nKey?: string;
  /** The exact body of a 2xx answer (a list as the whole array, however it was paged). */
  body?: unknown;
}

/** What each platform holds, in creation order: the oracle. */
class Model {
  readonly customers: Record<Platform, Map<string, Omit<Customer, 'accounts'>>> = { one: new Map(), two: new Map() };
  readonly accounts: Record<Platform, Map<string, { account: Account; customer: string }>> = { one: new Map(), two: new Map() };

  summary(a: Account): AccountSummary {
    return {
      accountIdentifier: a.accountIdentifier,
      accountNumber: a.accountNumber,
      displayName: a.displayName,
      currencyCode: a.currencyCode,
      createdAt: a.createdAt,
      status: a.status,
    };
  }
  customer(p: Platform, id: string): Customer | undefined {
    const c = this.customers[p].get(id);
    if (!c) return undefined;
    const accounts = [...this.accounts[p].values()].filter((a) => a.customer === id).map((a) => this.summary(a.account));
    return { ...c, accounts };
  }
  visible(actor: Actor, customerId: string): boolean {
    return actor !== 'restricted' || RESTRICTED_TO.includes(customerId);
  }
  listCustomers(actor: Actor): Customer[] {
    const p = platformOf(actor);
    return [...this.customers[p].keys()].filter((id) => this.visible(actor, id)).map((id) => this.customer(p, id)!);
  }
  listAccounts(actor: Actor, customerId?: string): Account[] {
    return [...this.accounts[platformOf(actor)].values()]
      .filter((a) => (customerId === undefined ? this.visible(actor, a.customer) : a.customer === customerId))
      .map((a) => a.account);
  }
}

function expectation(model: Model, a: Action): Expected {
  const p = platformOf(a.actor);
  const write = a.op === 'createCustomer' || a.op === 'createAccount' || a.op === 'patchAccount';
  if (write && a.actor === 'readOnly') return { status: 403, i18nKey: '403.017' };
  const denied = 'customer' in a && !model.visible(a.actor, a.customer);
  switch (a.op) {
    case 'createCustomer':
      if (denied) return { status: 403, i18nKey: '403.007' };
      return model.customers[p].has(a.customer) ? { status: 409, i18nKey: '409.012' } : { status: 201 };
    case 'createAccount':
      if (denied) return { status: 403, i18nKey: '403.007' };
      if (!model.customers[p].has(a.customer)) return { status: 404, i18nKey: '404.002' };
      return model.accounts[p].has(a.account) ? { status: 409, i18nKey: '409.018' } : { status: 201 };
    case 'patchAccount': {
      if (denied) return { status: 403, i18nKey: '403.007' };
      if (!model.customers[p].has(a.customer)) return { status: 404, i18nKey: '404.002' };
      const found = model.accounts[p].get(a.account);
      if (!found || !model.visible(a.actor, found.customer)) return { status: 404, i18nKey: '404.016' };
      if (found.customer !== a.customer) return { status: 404, i18nKey: '404.020' };
      const name = a.patch.displayName;
      const taken = [...model.accounts[p].entries()].some(([id, other]) => id !== a.account && other.account.displayName === name);
      if (taken) return { status: 409, i18nKey: '409.017' };
      return { status: 200, body: { ...found.account, ...a.patch } };
    }
    case 'getCustomer':
      if (denied) return { status: 403, i18nKey: '403.007' };
      return model.customers[p].has(a.customer)
        ? { status: 200, body: model.customer(p, a.customer) }
        : { status: 404, i18nKey: '404.002' };
    case 'getAccount': {
      const found = model.accounts[p].get(a.account);
      // Hidden and non-existent answer the same: a 403 would confirm the account exists.
      if (!found || !model.visible(a.actor, found.customer)) return { status: 404, i18nKey: '404.016' };
      return { status: 200, body: found.account };
    }
    case 'listCustomers':
      return { status: 200, body: model.listCustomers(a.actor) };
    case 'listAccounts':
      return { status: 200, body: model.listAccounts(a.actor) };
    case 'listCustomerAccounts':
      if (denied) return { status: 403, i18nKey: '403.007' };
      if (!model.customers[p].has(a.customer)) return { status: 404, i18nKey: '404.002' };
      return { status: 200, body: model.listAccounts(a.actor, a.customer) };
  }
}

/** JSON with sorted keys, so that equal objects compare equal whatever their key order. */
const canonical = (value: unknown) =>
  JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => x.localeCompare(y))) : v,
  );

describe.each(STORE_KINDS)('two platforms on %s', (kind) => {
  let server: TestServer;
  let client: RawClient;
  let creds: Record<Actor, Credentials>;
  let base: string;
  const model = new Model();

  beforeAll(async () => {
    server = await startTestServer(kind);
    client = rawClient(server.baseUrl, 4);
    creds = { one: server.one, readOnly: server.oneReadOnly, restricted: server.oneRestricted, two: server.two };
    base = new URL(server.baseUrl).pathname;
  });
  afterAll(async () => {
    client?.close();
    await server?.close();
  });

  async function call(who: Actor, method: string, path: string, body?: object): Promise<RawResponse> {
    const headers: Record<string, string> = { authorization: basic(creds[who]) };
    if (body) headers['content-type'] = 'application/json';
    const response = await client.send({ method, path: `${base}${path}`, headers, body: body && JSON.stringify(body) });
    const operation = templateOf(method, path.split('?')[0]!);
    expect(operation, `${method} ${path}`).toBeDefined();
    expect(operation!.statuses, `${operation!.operationId} answered ${response.status}`).toContain(String(response.status));
    expect(responseProblems(operation!, response.status, response.json), `${method} ${path}`).toEqual([]);
    return response;
  }

  /** A list, whole: one bare array, or every page walked with nextCursor (checking each page's counts). */
  async function list(
    who: Actor,
    path: string,
    pageSize: number | null,
  ): Promise<{ status: number; items: unknown; texts: string[]; i18nKey?: string }> {
    if (pageSize === null) {
      const r = await call(who, 'GET', path);
      return { status: r.status, items: r.json, texts: [r.text], i18nKey: (r.json as { i18nKey?: string }).i18nKey };
    }
    const items: unknown[] = [];
    const texts: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const r = await call(
        who,
        'GET',
        `${path}?paginate=true&maxResults=${pageSize}${cursor ? `&nextCursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      texts.push(r.text);
      if (r.status !== 200) return { status: r.status, items: r.json, texts, i18nKey: (r.json as { i18nKey?: string }).i18nKey };
      const pageBody = r.json as {
        items: unknown[];
        numberOfElements: number;
        maxResults: number;
        nextCursor: string | null;
        nextPageAvailable: boolean;
      };
      expect(pageBody.numberOfElements).toBe(pageBody.items.length);
      expect(pageBody.maxResults).toBe(pageSize);
      expect(pageBody.nextPageAvailable).toBe(pageBody.nextCursor !== null);
      items.push(...pageBody.items);
      cursor = pageBody.nextCursor;
      if (!cursor) break;
    }
    return { status: 200, items, texts };
  }

  async function perform(a: Action): Promise<{ status: number; body: unknown; texts: string[]; i18nKey?: string }> {
    const p = platformOf(a.actor);
    const n = Math.floor(Math.random() * 1000);
    const one = async (r: RawResponse) => ({
      status: r.status,
      body: r.json,
      texts: [r.text],
      i18nKey: (r.json as { i18nKey?: string }).i18nKey,
    });
    switch (a.op) {
      case 'createCustomer':
        return one(await call(a.actor, 'POST', '/customers', { customerIdentifier: a.customer, displayName: `${MARK[p]} customer ${n}` }));
      case 'createAccount':
        return one(
          await call(a.actor, 'POST', `/customers/${a.customer}/accounts`, {
            accountIdentifier: a.account,
            // Unique per identifier: a name collision is the rename's business (409.017).
            displayName: `${MARK[p]} account ${a.account}`,
            contactEmail: `finance-${n}@${MARK[p].toLowerCase()}.example`,
            currencyCode: a.currency,
          }),
        );
      case 'patchAccount':
        return one(await call(a.actor, 'PATCH', `/customers/${a.customer}/accounts/${a.account}`, a.patch));
      case 'getCustomer':
        return one(await call(a.actor, 'GET', `/customers/${a.customer}`));
      case 'getAccount':
        return one(await call(a.actor, 'GET', `/accounts/${a.account}`));
      case 'listCustomers': {
        const r = await list(a.actor, '/customers', a.page);
        return { ...r, body: r.items };
      }
      case 'listAccounts': {
        const r = await list(a.actor, '/accounts', a.page);
        return { ...r, body: r.items };
      }
      case 'listCustomerAccounts': {
        const r = await list(a.actor, `/customers/${a.customer}/accounts`, a.page);
        return { ...r, body: r.items };
      }
    }
  }

  /** Account numbers held by one platform only: seeing one in the other's answers is a leak. */
  function foreignMarkers(p: Platform): string[] {
    const other: Platform = p === 'one' ? 'two' : 'one';
    const mine = new Set([...model.accounts[p].values()].map((a) => a.account.accountNumber));
    const numbers = [...model.accounts[other].values()].map((a) => a.account.accountNumber).filter((n) => !mine.has(n));
    return [MARK[other], `@${MARK[other].toLowerCase()}.example`, ...numbers];
  }

  test(`${RUNS * ACTIONS_PER_RUN} random operations across four credentials: every answer is exactly the model's`, {
    timeout: 120_000,
  }, async () => {
    console.log(`security (${kind}): seed ${SEED} (SECURITY_SEED to reproduce)`);
    const counts = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: ACTIONS_PER_RUN, maxLength: ACTIONS_PER_RUN }), async (actions) => {
        for (const [i, a] of actions.entries()) {
          const expected = expectation(model, a);
          const got = await perform(a);
          const where = `action ${i}: ${JSON.stringify(a)}`;
          counts.set(`${a.op} ${got.status}`, (counts.get(`${a.op} ${got.status}`) ?? 0) + 1);
          expect(got.status, `${where} → ${got.texts.join('').slice(0, 300)}`).toBe(expected.status);
          if (expected.i18nKey) expect(got.i18nKey, where).toBe(expected.i18nKey);
          for (const text of got.texts)
            for (const marker of foreignMarkers(platformOf(a.actor)))
              expect(text.includes(marker), `${where} reveals ${marker}`).toBe(false);

          const p = platformOf(a.actor);
          if (expected.status === 201 && a.op === 'createCustomer') {
            const c = got.body as Customer;
            expect(c).toMatchObject({ customerIdentifier: a.customer, status: 'active', accounts: [] });
            const { accounts: _empty, ...fields } = c;
            model.customers[p].set(a.customer, fields);
          } else if (expected.status === 201 && a.op === 'createAccount') {
            const created = got.body as Account;
            expect(created).toMatchObject({ accountIdentifier: a.account, currencyCode: a.currency, currentBalance: 0, status: 'ACTIVE' });
            model.accounts[p].set(a.account, { account: created, customer: a.customer });
          } else if (expected.body !== undefined) {
            if (a.op === 'patchAccount') {
              const found = model.accounts[p].get(a.account)!;
              found.account = got.body as Account;
            }
            expect(canonical(got.body), where).toBe(canonical(expected.body));
          }
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    console.log(
      `security (${kind}): ${[...counts.entries()]
        .sort()
        .map(([k, v]) => `${k}:${v}`)
        .join(' ')}`,
    );
    // The operations reached every interesting outcome at least once.
    for (const outcome of [
      'createCustomer 201',
      'createCustomer 409',
      'createCustomer 403',
      'createAccount 201',
      'createAccount 409',
      'patchAccount 200',
      'getAccount 404',
      'getAccount 200',
      'getCustomer 404',
    ]) {
      expect(counts.get(outcome) ?? 0, outcome).toBeGreaterThan(0);
    }
    // Both platforms hold some of the same identifiers, so isolation was really tested.
    const shared = [...model.customers.one.keys()].filter((id) => model.customers.two.has(id));
    expect(shared.length).toBeGreaterThan(0);

    // The database holds exactly the model: nothing a read-only, restricted or foreign call did
    // changed anything beyond what the model was told by 201/200 answers.
    for (const p of ['one', 'two'] as const) {
      const platform = (await server.store.findPlatform(`platform-${p}`))!;
      const stored = await server.store.listCustomers(platform.id, { customerIdentifiers: null }, {}, { limit: 10_000 });
      expect(canonical(stored.map((s) => s.item))).toBe(canonical(model.listCustomers(p)));
      const storedAccounts = await server.store.listAccounts(platform.id, { customerIdentifiers: null }, {}, { limit: 10_000 });
      expect(canonical(storedAccounts.map((s) => s.item))).toBe(canonical(model.listAccounts(p)));
    }
  });

  test('the read-only credential changes nothing, whatever it sends', async () => {
    const before = canonical(model.listCustomers('one')) + canonical(model.listAccounts('one'));
    const target = model.listAccounts('one')[0];
    const owner =
      target && [...model.accounts.one.values()].find((a) => a.account.accountIdentifier === target.accountIdentifier)!.customer;
    const attempts: [string, string, object][] = [
      ['POST', '/customers', { customerIdentifier: 'read-only-attempt', displayName: 'Read only' }],
      [
        'POST',
        `/customers/${owner ?? 'shared-alpha'}/accounts`,
        { accountIdentifier: 'read-only-account', displayName: 'Read only', contactEmail: 'ro@acme.example' },
      ],
    ];
    if (target)
      attempts.push(['PATCH', `/customers/${owner}/accounts/${target.accountIdentifier}`, { displayName: 'Changed by read-only' }]);
    for (const [method, path, body] of attempts) {
      const r = await call('readOnly', method, path, body);
      expect(r.status).toBe(403);
      expect((r.json as { i18nKey: string }).i18nKey).toBe('403.017');
    }
    const customers = (await call('one', 'GET', '/customers')).json;
    const accounts = (await call('one', 'GET', '/accounts')).json;
    expect(canonical(customers) + canonical(accounts)).toBe(before);
  });

  // Timing cannot be asserted reliably here (a shared 2-core machine); the server compares every
  // candidate in constant time and an unknown platform costs the same comparison (credentials.ts).
  test('a wrong key and an unknown platform are indistinguishable 401s', async () => {
    const key = creds.one.key;
    const variants: Record<string, string | undefined> = {
      'wrong key': basic({ name: creds.one.name, key: `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}` }),
      'unknown platform': basic({ name: 'no-such-platform', key }),
      "another platform's key": basic({ name: creds.two.name, key }),
      'no credentials': undefined,
      'not Basic': `Bearer ${key}`,
    };
    const answers: Record<string, { status: number; body: Record<string, unknown>; headers: Record<string, unknown> }> = {};
    for (const [name, authorization] of Object.entries(variants)) {
      const r = await client.send({
        method: 'GET',
        path: `${base}/customers/shared-alpha`,
        headers: authorization ? { authorization } : {},
      });
      const { timestamp: _t, requestId: _r, ...body } = r.json as Record<string, unknown>;
      const { 'x-request-id': _x, date: _d, ...headers } = r.headers;
      answers[name] = { status: r.status, body, headers };
    }
    const reference = answers['wrong key']!;
    expect(reference.status).toBe(401);
    expect(reference.body).toMatchObject({ httpCode: 401, i18nKey: '401.501' });
    for (const [name, answer] of Object.entries(answers)) expect(answer, name).toEqual(reference);
  });
});

describe('logs', () => {
  test.each(['info', 'trace'])('at LOG_LEVEL=%s they carry no credential, query string or body', { timeout: 30_000 }, async (level) => {
    const { rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = temporaryDirectory('raas-logs-').path;
    const platform = { name: 'log-platform', key: 'UhTY1WlYs3ypNCP2LF2dV7Yya2aNMBkH_bTK_wvgSKY' };
    const server = await startServerProcess({
      DATABASE_URL: `file:${join(dir, 'raas.db')}`,
      RAAS_PLATFORM_NAME: platform.name,
      RAAS_PLATFORM_KEY: platform.key,
      LOG_LEVEL: level,
    });
    const authorization = basic(platform);
    const wrong = basic({ name: platform.name, key: `${platform.key}-wrong` });
    const unknown = basic({ name: 'secret-unknown-platform', key: platform.key });
    const client = rawClient(server.baseUrl, 2);
    const base = new URL(server.baseUrl).pathname;
    const json = { 'content-type': 'application/json' };
    const requests: [string, string, Record<string, string>, string?][] = [
      ['GET', '/customers', { authorization }],
      [
        'POST',
        '/customers',
        { authorization, ...json },
        JSON.stringify({ customerIdentifier: 'log-customer', displayName: 'Body marker display' }),
      ],
      [
        'POST',
        '/customers/log-customer/accounts',
        { authorization, ...json },
        JSON.stringify({ accountIdentifier: 'log-account', displayName: 'Log account', contactEmail: 'personal-marker@acme.example' }),
      ],
      ['GET', '/accounts?contactEmail=query-marker%40acme.example', { authorization }],
      ['POST', '/customers', { authorization, ...json }, JSON.stringify({ customerIdentifier: 'x', displayName: 'invalid-body-marker' })],
      ['POST', '/customers', { authorization, ...json }, '{"broken-json-marker'],
      ['GET', '/customers', { authorization: wrong }],
      ['GET', '/customers', { authorization: unknown }],
      ['GET', '/customers', { authorization: 'Basic !!!not-base64!!!' }],
      ['GET', '/customers', {}],
      ['GET', '/no-such-route', { authorization }],
    ];
    try {
      for (const [method, path, headers, body] of requests) await client.send({ method, path: `${base}${path}`, headers, body });
    } finally {
      client.close();
      expect(await server.stop('SIGTERM')).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
    const output = server.stdout() + server.stderr();
    expect(output).toContain('"msg":"stopped"');
    expect(output.split('\n').filter((line) => line.includes('"req"')).length).toBeGreaterThanOrEqual(requests.length);
    for (const secret of [
      platform.key,
      authorization.slice('Basic '.length),
      wrong.slice('Basic '.length),
      unknown.slice('Basic '.length),
      'not-base64',
    ]) {
      expect(output, 'a credential is in the logs').not.toContain(secret);
    }
    expect(output.toLowerCase()).not.toContain('authorization');
    for (const marker of ['Body marker display', 'personal-marker', 'query-marker', 'invalid-body-marker', 'broken-json-marker']) {
      expect(output, `${marker} is in the logs`).not.toContain(marker);
    }
  });
});
