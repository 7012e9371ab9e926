/**
 * Concurrency on one instance, on both stores: uniqueness is decided by the database, never by a
 * check-then-insert race in the application.
 *   - 50 concurrent creates of one customer identifier, each on its own connection: exactly one
 *     201, 49 × 409.012, one row; the same for one account identifier (409.018), also when the
 *     racing creates name different customers of the platform.
 *   - customers and their accounts created interleaved and concurrently: an account is either
 *     refused (404.002, its customer not there yet) or created under an existing customer; every
 *     account the API lists belongs to a customer the API returns, the counts agree everywhere,
 *     and every 201 is there exactly once.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Account, Customer } from '../src/domain/model.js';
import { STORE_KINDS, type TestServer, basic, startTestServer } from './support/harness.js';
import { inPool, rawClient, type RawClient, type RawResponse } from './support/http.js';

const RACERS = 50;

describe.each(STORE_KINDS)('on %s', (kind) => {
  let server: TestServer;
  /** One socket per request in flight: up to RACERS connections at once. */
  let client: RawClient;
  let headers: Record<string, string>;
  let path: string;

  beforeAll(async () => {
    server = await startTestServer(kind);
    client = rawClient(server.baseUrl, RACERS);
    headers = { authorization: basic(server.one), 'content-type': 'application/json' };
    path = new URL(server.baseUrl).pathname;
  });
  afterAll(async () => {
    client?.close();
    await server?.close();
  });

  const post = (target: string, body: object) =>
    client.send({ method: 'POST', path: `${path}${target}`, headers, body: JSON.stringify(body) });
  const get = async <T>(target: string): Promise<T> => {
    const response = await client.send({ method: 'GET', path: `${path}${target}`, headers: { authorization: headers.authorization! } });
    expect(response.status, response.text).toBe(200);
    return response.json as T;
  };
  const statuses = (responses: RawResponse[]) => responses.map((r) => r.status);
  const keys = (responses: RawResponse[]) => responses.filter((r) => r.status === 409).map((r) => (r.json as { i18nKey: string }).i18nKey);

  /** Fires all requests at once, each on its own connection. */
  const race = (count: number, send: (i: number) => Promise<RawResponse>) => Promise.all(Array.from({ length: count }, (_, i) => send(i)));

  test(`${RACERS} concurrent creates of one customer: one 201, the rest 409.012, one row`, async () => {
    const responses = await race(RACERS, (i) =>
      post('/customers', { customerIdentifier: 'raced-customer', displayName: `Racer number ${i}` }),
    );
    expect(statuses(responses).filter((s) => s === 201)).toHaveLength(1);
    expect(statuses(responses).filter((s) => s === 409)).toHaveLength(RACERS - 1);
    expect(new Set(keys(responses))).toEqual(new Set(['409.012']));
    const winner = responses.find((r) => r.status === 201)!.json as Customer;
    expect(await get<Customer>('/customers/raced-customer')).toEqual(winner);
    const all = await get<Customer[]>('/customers');
    expect(all.filter((c) => c.customerIdentifier === 'raced-customer')).toHaveLength(1);
  });

  test(`${RACERS} concurrent creates of one account under one customer: one 201, the rest 409.018`, async () => {
    expect((await post('/customers', { customerIdentifier: 'account-race-home', displayName: 'Account race' })).status).toBe(201);
    const responses = await race(RACERS, (i) =>
      post('/customers/account-race-home/accounts', {
        accountIdentifier: 'raced-account',
        displayName: `Racer number ${i}`,
        contactEmail: `racer${i}@acme.example`,
      }),
    );
    expect(statuses(responses).filter((s) => s === 201)).toHaveLength(1);
    expect(statuses(responses).filter((s) => s === 409)).toHaveLength(RACERS - 1);
    expect(new Set(keys(responses))).toEqual(new Set(['409.018']));
    const winner = responses.find((r) => r.status === 201)!.json as Account;
    expect(await get<Account>('/accounts/raced-account')).toEqual(winner);
    expect((await get<Customer>('/customers/account-race-home')).accounts.map((a) => a.accountIdentifier)).toEqual(['raced-account']);
  });

  test(`${RACERS} concurrent creates of one account identifier across 5 customers: one 201 in all`, async () => {
    const homes = Array.from({ length: 5 }, (_, i) => `spread-home-${i}`);
    for (const id of homes) expect((await post('/customers', { customerIdentifier: id, displayName: 'Spread race' })).status).toBe(201);
    const responses = await race(RACERS, (i) =>
      post(`/customers/${homes[i % homes.length]}/accounts`, {
        accountIdentifier: 'spread-account',
        displayName: 'Spread account',
        contactEmail: 'spread@acme.example',
      }),
    );
    expect(statuses(responses).filter((s) => s === 201)).toHaveLength(1);
    expect(new Set(keys(responses))).toEqual(new Set(['409.018']));
    const holders = await Promise.all(homes.map((id) => get<Customer>(`/customers/${id}`)));
    expect(holders.flatMap((c) => c.accounts.map((a) => a.accountIdentifier))).toEqual(['spread-account']);
  });

  test(`${RACERS} concurrent creates of accounts with one display name: one 201, the rest 409.017, one row`, async () => {
    expect((await post('/customers', { customerIdentifier: 'name-race-home', displayName: 'Name race' })).status).toBe(201);
    const responses = await race(RACERS, (i) =>
      post('/customers/name-race-home/accounts', {
        accountIdentifier: `name-racer-${i}`,
        displayName: 'One name only',
        contactEmail: 'name@acme.example',
      }),
    );
    expect(statuses(responses).filter((s) => s === 201)).toHaveLength(1);
    expect(statuses(responses).filter((s) => s === 409)).toHaveLength(RACERS - 1);
    expect(new Set(keys(responses))).toEqual(new Set(['409.017']));
    const all = await get<Account[]>('/accounts?displayName=One+name+only');
    expect(all).toEqual([responses.find((r) => r.status === 201)!.json]);
  });

  test('concurrent renames of 10 accounts to one display name: one 200, the rest 409.017', async () => {
    expect((await post('/customers', { customerIdentifier: 'rename-race-home', displayName: 'Rename race' })).status).toBe(201);
    const ids = Array.from({ length: 10 }, (_, i) => `rename-racer-${i}`);
    for (const id of ids) {
      expect(
        (
          await post('/customers/rename-race-home/accounts', {
            accountIdentifier: id,
            displayName: `Before ${id}`,
            contactEmail: 'r@acme.example',
          })
        ).status,
      ).toBe(201);
    }
    const responses = await race(ids.length, (i) =>
      client.send({
        method: 'PATCH',
        path: `${path}/customers/rename-race-home/accounts/${ids[i]}`,
        headers,
        body: JSON.stringify({ displayName: 'Renamed once' }),
      }),
    );
    expect(statuses(responses).filter((s) => s === 200)).toHaveLength(1);
    expect(statuses(responses).filter((s) => s === 409)).toHaveLength(ids.length - 1);
    expect(new Set(keys(responses))).toEqual(new Set(['409.017']));
    expect((await get<Account[]>('/accounts?displayName=Renamed+once')).map((a) => a.accountIdentifier)).toHaveLength(1);
  });

  test('interleaved concurrent creates of customers and their accounts never leave an account without its customer', async () => {
    const customers = Array.from({ length: 30 }, (_, i) => `mixed-customer-${i}`);
    // For each customer: its create and three account creates, all shuffled into one stream and
    // sent 32 at a time, so that accounts often arrive before, with or after their customer.
    const jobs = customers.flatMap((c, i) => [
      { kind: 'customer' as const, customer: c },
      ...[0, 1, 2].map((j) => ({ kind: 'account' as const, customer: c, account: `mixed-account-${i}-${j}` })),
    ]);
    for (let i = jobs.length - 1; i > 0; i--) {
      const j = (i * 7919 + 13) % (i + 1);
      [jobs[i], jobs[j]] = [jobs[j]!, jobs[i]!];
    }
    const results = await inPool(jobs, 32, async (job) => {
      if (job.kind === 'customer')
        return { job, response: await post('/customers', { customerIdentifier: job.customer, displayName: 'Mixed customer' }) };
      // Retry a refused account a few times, as a client would once its customer exists.
      for (let attempt = 0; ; attempt++) {
        const response = await post(`/customers/${job.customer}/accounts`, {
          accountIdentifier: job.account,
          displayName: `Mixed ${job.account}`,
          contactEmail: 'mixed@acme.example',
        });
        if (response.status !== 404 || attempt === 3) return { job, response };
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    });
    for (const { job, response } of results) {
      if (job.kind === 'customer') expect(response.status, response.text).toBe(201);
      else {
        expect([201, 404], response.text).toContain(response.status);
        if (response.status === 404) expect((response.json as { i18nKey: string }).i18nKey).toBe('404.002');
      }
    }
    const createdAccounts = new Map(
      results
        .filter((r) => r.job.kind === 'account' && r.response.status === 201)
        .map((r) => [(r.response.json as Account).accountIdentifier, { account: r.response.json as Account, customer: r.job.customer }]),
    );
    const refused = results
      .filter((r) => r.job.kind === 'account' && r.response.status === 404)
      .map((r) => (r.job as { account: string }).account);

    const listedAccounts = (await get<Account[]>('/accounts')).filter((a) => a.accountIdentifier.startsWith('mixed-'));
    const listedCustomers = (await get<Customer[]>('/customers')).filter((c) => c.customerIdentifier.startsWith('mixed-'));
    expect(listedCustomers.map((c) => c.customerIdentifier).sort()).toEqual([...customers].sort());
    // Every account listed is one that got a 201, exactly as answered, and none that was refused.
    expect(listedAccounts.map((a) => a.accountIdentifier).sort()).toEqual([...createdAccounts.keys()].sort());
    for (const account of listedAccounts) expect(account).toEqual(createdAccounts.get(account.accountIdentifier)!.account);
    for (const id of refused) expect(listedAccounts.some((a) => a.accountIdentifier === id)).toBe(false);
    // Every account belongs to a customer GET /customers/{id} returns, and the counts agree.
    let summaries = 0;
    for (const id of customers) {
      const customer = await get<Customer>(`/customers/${id}`);
      const own = await get<Account[]>(`/customers/${id}/accounts`);
      expect(customer.accounts.map((a) => a.accountIdentifier)).toEqual(own.map((a) => a.accountIdentifier));
      for (const a of own) expect(createdAccounts.get(a.accountIdentifier)?.customer).toBe(id);
      summaries += customer.accounts.length;
    }
    expect(summaries).toBe(listedAccounts.length);
    // And in the store itself: every account row's customer exists.
    const platform = (await server.store.findPlatform('platform-one'))!;
    const rows = await server.store.listCustomers(platform.id, { customerIdentifiers: null }, {}, { limit: 100_000 });
    const rowAccounts = await server.store.listAccounts(platform.id, { customerIdentifiers: null }, {}, { limit: 100_000 });
    expect(rows.flatMap((r) => r.item.accounts).length).toBe(rowAccounts.length);
  });
});
