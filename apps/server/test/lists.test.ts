/**
 * Lists: the bare array, cursor pagination forward and back (also while rows are inserted),
 * tamper-evident cursors, every filter of the reference, and filters composed with pages.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Account, Customer, CustomerPage } from '@raas-customers/client';
import { STORE_KINDS, basic, startTestServer, type TestServer } from './support/harness.js';

let server: TestServer;

async function customer(customerIdentifier: string, displayName = 'Acme Retail US', credentials = server.one): Promise<Customer> {
  const { data, response } = await server.client(credentials).POST('/customers', { body: { customerIdentifier, displayName } });
  expect(response.status).toBe(201);
  return data!;
}

async function account(customerIdentifier: string, accountIdentifier: string, extra: Record<string, unknown> = {}): Promise<Account> {
  const { data, response } = await server.client().POST('/customers/{customerIdentifier}/accounts', {
    params: { path: { customerIdentifier } },
    body: { accountIdentifier, displayName: `Pool ${accountIdentifier}`, contactEmail: 'finance@acme.example', ...extra },
  });
  expect(response.status).toBe(201);
  return data!;
}

type Query = Record<string, string | number | boolean | string[]>;

/** GET a list with a raw query string, as an integrator's HTTP library would send it. */
async function list(path: string, query: Query, credentials = server.one) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) search.append(name, String(item));
  }
  const response = await server.raw('GET', `${path}?${search}`, { headers: { authorization: basic(credentials) } });
  // biome-ignore lint/suspicious/noExplicitAny: the answer is a page, an array or an ErrorInfo, which each test narrows
  return { status: response.status, body: (await response.json()) as any };
}

const ids = (items: { customerIdentifier?: string; accountIdentifier?: string }[]) =>
  items.map((item) => item.customerIdentifier ?? item.accountIdentifier);

describe.each(STORE_KINDS)('on %s', (kind) => {
  const created: string[] = [];

  beforeAll(async () => {
    server = await startTestServer(kind);
    for (let i = 0; i < 25; i++) {
      const id = `page-customer-${String(i).padStart(2, '0')}`;
      created.push(id);
      await customer(id, i % 5 === 0 ? 'Round Five Ltd' : 'Acme Retail US');
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  test('without paginate a list is the bare array of every item, in creation order', async () => {
    const { status, body } = await list('/customers', {});
    expect(status).toBe(200);
    expect(ids(body)).toEqual(created);
  });

  test('pages walk forward and back without gaps or duplicates', async () => {
    const forward: CustomerPage[] = [];
    let page = (await list('/customers', { paginate: true })).body as CustomerPage;
    forward.push(page);
    while (page.nextCursor) {
      page = (await list('/customers', { paginate: true, nextCursor: page.nextCursor })).body as CustomerPage;
      forward.push(page);
    }
    expect(forward.map((p) => p.numberOfElements)).toEqual([10, 10, 5]);
    expect(forward.map((p) => [p.prevPageAvailable, p.nextPageAvailable])).toEqual([
      [false, true],
      [true, true],
      [true, false],
    ]);
    expect(forward[0]).toMatchObject({ maxResults: 10, prevCursor: null });
    expect(ids(forward.flatMap((p) => p.items))).toEqual(created);

    const backward: CustomerPage[] = [page];
    while (page.prevCursor) {
      page = (await list('/customers', { paginate: true, prevCursor: page.prevCursor })).body as CustomerPage;
      backward.unshift(page);
    }
    expect(ids(backward.flatMap((p) => p.items))).toEqual(created);
    expect(backward[0]).toMatchObject({ prevPageAvailable: false, prevCursor: null, nextPageAvailable: true });
  });

  test('rows inserted between page reads appear once, at the end', async () => {
    const first = (await list('/customers', { paginate: true, maxResults: 20 })).body as CustomerPage;
    const late = ['late-customer-1', 'late-customer-2', 'late-customer-3'];
    for (const id of late) await customer(id);
    const rest: CustomerPage[] = [];
    let cursor = first.nextCursor;
    while (cursor) {
      const page = (await list('/customers', { paginate: true, maxResults: 20, nextCursor: cursor })).body as CustomerPage;
      rest.push(page);
      cursor = page.nextCursor;
    }
    expect(ids([...first.items, ...rest.flatMap((p) => p.items)])).toEqual([...created, ...late]);
    created.push(...late);
  });

  test('maxResults bounds a page; 200 is the most, over it is a 400 naming it', async () => {
    expect(((await list('/customers', { paginate: true, maxResults: 3 })).body as CustomerPage).items).toHaveLength(3);
    expect(((await list('/customers', { paginate: true, maxResults: 200 })).body as CustomerPage).items).toHaveLength(created.length);
    for (const maxResults of [0, 201]) {
      const { status, body } = await list('/customers', { paginate: true, maxResults });
      expect(status).toBe(400);
      expect(body.errors).toEqual([expect.objectContaining({ path: 'maxResults', invalidValue: maxResults })]);
    }
  });

  test('an altered, forged, foreign or misused cursor is a 400, never another list', async () => {
    const page = (await list('/customers', { paginate: true, maxResults: 5 })).body as CustomerPage;
    const cursor = page.nextCursor!;
    const flipped = cursor.slice(0, 20) + (cursor[20] === 'A' ? 'B' : 'A') + cursor.slice(21);
    await customer('foreign-customer-1', 'Foreign Ltd', server.two);
    await customer('foreign-customer-2', 'Foreign Ltd', server.two);
    const foreign = (await list('/customers', { paginate: true, maxResults: 1 }, server.two)).body as CustomerPage;
    const accountsCursor = (
      await (async () => {
        await account(created[0]!, 'cursor-account-1');
        await account(created[0]!, 'cursor-account-2');
        return (await list('/accounts', { paginate: true, maxResults: 1 })).body as { nextCursor: string };
      })()
    ).nextCursor;

    const attempts: [Query, string][] = [
      [{ nextCursor: flipped }, 'nextCursor'],
      [{ nextCursor: 'eyJwIjoxLCJpIjo1fQ' }, 'nextCursor'],
      [{ nextCursor: `${cursor}x` }, 'nextCursor'],
      [{ nextCursor: foreign.nextCursor! }, 'nextCursor'],
      [{ nextCursor: accountsCursor }, 'nextCursor'],
      [{ nextCursor: cursor, displayName: 'Round Five Ltd' }, 'nextCursor'],
      [{ prevCursor: cursor }, 'prevCursor'],
    ];
    for (const [query, parameter] of attempts) {
      const { status, body } = await list('/customers', { paginate: true, maxResults: 5, ...query });
      expect(status, JSON.stringify(query)).toBe(400);
      expect(body).toMatchObject({ i18nKey: '400.001', errors: [{ path: parameter, constraint: 'Cursor' }] });
    }
    const both = await list('/customers', { paginate: true, nextCursor: cursor, prevCursor: cursor });
    expect(both.status).toBe(400);
    expect(both.body.errors.map((e: { path: string }) => e.path)).toEqual(['nextCursor', 'prevCursor']);
  });

  test('customer filters: display name, status and an inclusive creation window', async () => {
    const byName = await list('/customers', { displayName: 'Round Five Ltd' });
    expect(ids(byName.body)).toEqual(created.filter((_, i) => i % 5 === 0 && i < 25));
    expect((await list('/customers', { status: 'active' })).body).toHaveLength(created.length);
    expect((await list('/customers', { status: 'inactive' })).body).toEqual([]);
    const all = (await list('/customers', {})).body as Customer[];
    const window = {
      customerMinDateCreatedAt: all[3]!.createdAt,
      customerMaxDateCreatedAt: all[7]!.createdAt,
    };
    const inWindow = ids((await list('/customers', window)).body);
    const expected = all.filter((c) => c.createdAt >= window.customerMinDateCreatedAt && c.createdAt <= window.customerMaxDateCreatedAt);
    expect(inWindow).toEqual(ids(expected));
    expect(inWindow).toEqual(expect.arrayContaining([created[3], created[7]]));
  });

  test('account-level filters on customers: a customer matches when one of its accounts does', async () => {
    const owner = 'filter-owner-1';
    await customer(owner, 'Filter Owner');
    const usd = await account(owner, 'filter-usd-account', { displayName: 'Dollar pool' });
    await account(owner, 'filter-eur-account', { currencyCode: 'EUR', displayName: 'Euro pool' });
    created.push(owner);
    const matchBy = async (query: Query) => ids((await list('/customers', query)).body);
    expect(await matchBy({ accountIdentifier: 'filter-eur-account' })).toEqual([owner]);
    expect(await matchBy({ accountNumber: usd.accountNumber })).toEqual([owner]);
    expect(await matchBy({ accountDisplayName: 'Euro pool' })).toEqual([owner]);
    expect(await matchBy({ accountStatus: 'ACTIVE', displayName: 'Filter Owner' })).toEqual([owner]);
    expect(await matchBy({ accountStatus: 'FROZEN' })).toEqual([]);
    expect(
      await matchBy({ accountMinDateCreatedAt: usd.createdAt, accountMaxDateCreatedAt: usd.createdAt, displayName: 'Filter Owner' }),
    ).toEqual([owner]);
    // The matching customer comes with all of its accounts, not only the matching one.
    const [found] = (await list('/customers', { accountIdentifier: 'filter-eur-account' })).body as Customer[];
    expect(found!.accounts.map((a) => a.accountIdentifier)).toEqual(['filter-usd-account', 'filter-eur-account']);
  });

  test('account filters, on all accounts and on one customer’s', async () => {
    const owner = 'account-filter-owner';
    await customer(owner);
    created.push(owner);
    const a = await account(owner, 'af-usd', { displayName: 'Alpha pool', contactEmail: 'alpha@acme.example' });
    const b = await account(owner, 'af-eur', { currencyCode: 'EUR', contactEmail: 'beta@acme.example' });
    const c = await account(owner, 'af-gbp', { currencyCode: 'GBP' });
    for (const path of ['/accounts', `/customers/${owner}/accounts`]) {
      const by = async (query: Query) => ids((await list(path, query)).body).filter((id) => id?.startsWith('af-'));
      expect(await by({ accountNumber: b.accountNumber })).toEqual(['af-eur']);
      expect(await by({ displayName: 'Alpha pool' })).toEqual(['af-usd']);
      expect(await by({ contactEmail: 'beta@acme.example' })).toEqual(['af-eur']);
      expect(await by({ currencyCode: ['EUR', 'GBP'] })).toEqual(['af-eur', 'af-gbp']);
      expect(await by({ currencyCode: 'GBP' })).toEqual(['af-gbp']);
      expect(await by({ status: 'ACTIVE', currencyCode: 'USD' })).toEqual(['af-usd']);
      expect(await by({ status: 'DISABLED' })).toEqual([]);
      expect(await by({ minBalance: 0, maxBalance: 0 })).toEqual(['af-usd', 'af-eur', 'af-gbp']);
      expect(await by({ minBalance: 0.01 })).toEqual([]);
      expect(await by({ maxBalance: -0.01 })).toEqual([]);
      expect(await by({ minDateCreatedAt: b.createdAt, maxDateCreatedAt: c.createdAt })).toEqual(
        [a, b, c].filter((x) => x.createdAt >= b.createdAt && x.createdAt <= c.createdAt).map((x) => x.accountIdentifier),
      );
    }
  });

  test('filters compose with pagination', async () => {
    const pages: CustomerPage[] = [];
    let query: Query = { paginate: true, maxResults: 2, displayName: 'Round Five Ltd' };
    for (;;) {
      const page = (await list('/customers', query)).body as CustomerPage;
      pages.push(page);
      if (!page.nextCursor) break;
      query = { paginate: true, maxResults: 2, displayName: 'Round Five Ltd', nextCursor: page.nextCursor };
    }
    expect(pages.map((p) => p.numberOfElements)).toEqual([2, 2, 1]);
    expect(ids(pages.flatMap((p) => p.items))).toEqual(created.filter((_, i) => i % 5 === 0 && i < 25));
  });

  test('invalid filter values are a 400 listing each bad parameter', async () => {
    const { status, body } = await list('/accounts', {
      status: 'BOGUS',
      minBalance: 'lots',
      minDateCreatedAt: 'yesterday',
      currencyCode: ['USD', 'XXX'],
    });
    expect(status).toBe(400);
    const paths = (body.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(expect.arrayContaining(['minBalance', 'minDateCreatedAt', 'status']));
    expect(paths.some((p) => p.startsWith('currencyCode'))).toBe(true);
    const customers = await list('/customers', { accountNumber: 'B123', customerMinDateCreatedAt: '2020-13-45' });
    expect(customers.status).toBe(400);
    expect((customers.body.errors as { path: string }[]).map((e) => e.path).sort()).toEqual(['accountNumber', 'customerMinDateCreatedAt']);
  });

  test('a restricted credential pages through its own customers only', async () => {
    await customer('restricted-one');
    await customer('restricted-two');
    const page = (await list('/customers', { paginate: true, maxResults: 1 }, server.oneRestricted)).body as CustomerPage;
    const next = (await list('/customers', { paginate: true, maxResults: 1, nextCursor: page.nextCursor! }, server.oneRestricted))
      .body as CustomerPage;
    expect([...ids(page.items), ...ids(next.items)]).toEqual(['restricted-one', 'restricted-two']);
    expect(next.nextPageAvailable).toBe(false);
  });
});
