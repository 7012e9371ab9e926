/**
 * The contract, over HTTP, through openapi-fetch and the generated types. Every response is
 * checked against the spec (status documented, body valid), and the last test fails if any
 * documented (operationId, status) pair, except 500, was never observed.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sandboxCardRequest } from '@raas-customers/test-kit';
import { type Credentials, STORE_KINDS, basic, observed, startTestServer, type TestServer } from './support/harness.js';
import { apiOperations } from '../src/http/spec-operations.js';
import { operations, spec } from './support/spec.js';
import { fundingContract } from './support/funding-contract.js';

/** The server of the store kind under test (the kinds run one after the other). */
let server: TestServer;

const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let sequence = 0;
/** A fresh identifier per call so tests never depend on each other's data. */
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(sequence++).toString(36)}`;

async function createCustomer(customerIdentifier = unique('cust'), credentials = server.one) {
  const { data, response } = await server.client(credentials).POST('/customers', {
    body: { customerIdentifier, displayName: 'Acme Retail US' },
  });
  expect(response.status).toBe(201);
  return data!;
}

/** An account; its display name follows its identifier, since names are unique on a platform too. */
async function createAccount(customerIdentifier: string, accountIdentifier = unique('acct'), extra = {}) {
  const { data, response } = await server.client().POST('/customers/{customerIdentifier}/accounts', {
    params: { path: { customerIdentifier } },
    body: { accountIdentifier, displayName: `Pool ${accountIdentifier}`, contactEmail: 'finance@acme.example', ...extra },
  });
  expect(response.status).toBe(201);
  return data!;
}

/** Made-up values of the spec's path parameters, by name: the identifiers need not exist. */
const PATH_VALUES: Record<string, string> = {
  customerIdentifier: 'acme-retail-us',
  accountIdentifier: 'acme-q4-bonus',
  token: 'a'.repeat(40),
  referenceDepositID: 'RAD-180426-5407',
  balanceAlertID: '5f0c7a2e-9d3b-4b8e-8f1a-2c6d4e7b9a10',
};

/** The first named example of an operation's request body, as JSON text (the spec has one for every body). */
function exampleBody(op: (typeof operations)[number]): string | undefined {
  const node = apiOperations.resolve(spec.paths[op.path]?.[op.method.toLowerCase()]);
  if (!node.requestBody) return undefined;
  const content = apiOperations.resolve(node.requestBody).content as Record<string, { examples: Record<string, unknown> }>;
  const [example] = Object.values(content['application/json']!.examples);
  return JSON.stringify(apiOperations.resolve(example).value);
}

/**
 * One request of every operation of the spec, with its example body (for the checks that come
 * before any rule: authentication, its throttle, the database), observed like the client's.
 */
async function everyOperation(on: TestServer, credentials: Credentials | null) {
  return Promise.all(
    operations.map(async (op) => {
      const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
        const value = PATH_VALUES[name];
        if (value === undefined) throw new Error(`no made-up value for the path parameter ${name} of ${op.operationId}`);
        return value;
      });
      const body = exampleBody(op);
      const response = await on.raw(op.method, path, {
        headers: { ...(credentials ? { Authorization: basic(credentials) } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
        ...(body ? { body } : {}),
      });
      return { operationId: op.operationId, response, error: (await response.json()) as Record<string, unknown> };
    }),
  );
}

describe.each(STORE_KINDS)('on %s', (kind) => {
  beforeAll(async () => {
    observed.clear();
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  describe('customers', () => {
    test('create answers 201 with the full Customer', async () => {
      const { data, response } = await server.client().POST('/customers', {
        body: { customerIdentifier: 'acme-retail-us', displayName: 'Acme Retail US' },
      });
      expect(response.status).toBe(201);
      expect(data).toEqual({
        customerIdentifier: 'acme-retail-us',
        displayName: 'Acme Retail US',
        status: 'active',
        createdAt: expect.stringMatching(ISO_MILLIS),
        accounts: [],
      });
    });

    test('a duplicate identifier on the same platform is 409.012 naming it', async () => {
      const id = (await createCustomer()).customerIdentifier;
      const { error, response } = await server.client().POST('/customers', {
        body: { customerIdentifier: id, displayName: 'Someone else' },
      });
      expect(response.status).toBe(409);
      expect(error).toMatchObject({
        httpCode: 409,
        httpPhrase: 'Conflict',
        i18nKey: '409.012',
        message: `This customer identifier, ${id} exists already for this platform`,
        path: '/raas/v2/customers',
      });
    });

    test('the same identifier on another platform is a different customer', async () => {
      const id = (await createCustomer()).customerIdentifier;
      const other = await createCustomer(id, server.two);
      expect(other.customerIdentifier).toBe(id);
    });

    test('get answers the customer, with its account summaries', async () => {
      const customer = await createCustomer();
      const account = await createAccount(customer.customerIdentifier);
      const { data, response } = await server.client().GET('/customers/{customerIdentifier}', {
        params: { path: { customerIdentifier: customer.customerIdentifier } },
      });
      expect(response.status).toBe(200);
      expect(data?.accounts).toEqual([
        {
          accountIdentifier: account.accountIdentifier,
          accountNumber: account.accountNumber,
          displayName: account.displayName,
          currencyCode: 'USD',
          createdAt: account.createdAt,
          status: 'ACTIVE',
        },
      ]);
    });

    test('an unknown customer is 404.002', async () => {
      const { error, response } = await server.client().GET('/customers/{customerIdentifier}', {
        params: { path: { customerIdentifier: 'no-such-customer' } },
      });
      expect(response.status).toBe(404);
      expect(error).toMatchObject({ i18nKey: '404.002', message: 'This customer does not exist for this platform.' });
    });

    test('list answers a bare array in creation order, of this platform only', async () => {
      const first = await createCustomer();
      const second = await createCustomer();
      const foreign = await createCustomer(unique('foreign'), server.two);
      const { data, response } = await server.client().GET('/customers');
      expect(response.status).toBe(200);
      const ids = (data as { customerIdentifier: string }[]).map((c) => c.customerIdentifier);
      expect(ids.indexOf(first.customerIdentifier)).toBeLessThan(ids.indexOf(second.customerIdentifier));
      expect(ids.indexOf(first.customerIdentifier)).toBeGreaterThanOrEqual(0);
      expect(ids).not.toContain(foreign.customerIdentifier);
    });

    test('an invalid body lists every invalid field, each with its catalogue key', async () => {
      const { error, response } = await server.client().POST('/customers', {
        body: { customerIdentifier: 'ab', displayName: 'x', nickname: 'ignored' } as never,
      });
      expect(response.status).toBe(400);
      expect(error).toMatchObject({ httpCode: 400, i18nKey: '400.001', message: 'Invalid Request' });
      expect(error?.errors).toEqual(
        expect.arrayContaining([
          {
            path: 'customerIdentifier',
            i18nKey: '422.501',
            message: 'must match "^[-a-zA-Z0-9]{5,100}$"',
            invalidValue: 'ab',
            constraint: 'Pattern',
          },
          { path: 'displayName', i18nKey: '422.126', message: 'length must be between 5 and 100', invalidValue: 'x', constraint: 'Size' },
        ]),
      );
      // The unknown property is ignored, not listed.
      expect(error?.errors).toHaveLength(2);
    });

    test('missing fields are reported as NotNull', async () => {
      const { error, response } = await server.client().POST('/customers', { body: {} as never });
      expect(response.status).toBe(400);
      expect(error?.errors?.map((e) => [e.path, e.constraint]).sort()).toEqual([
        ['customerIdentifier', 'NotNull'],
        ['displayName', 'NotNull'],
      ]);
    });

    test('a malformed identifier in the path is 400', async () => {
      const { error, response } = await server.client().GET('/customers/{customerIdentifier}', {
        params: { path: { customerIdentifier: 'ab' } },
      });
      expect(response.status).toBe(400);
      expect(error?.errors?.[0]).toMatchObject({ path: 'customerIdentifier', invalidValue: 'ab', constraint: 'Pattern' });
    });

    test('a list query out of bounds is 400 naming the parameter', async () => {
      const { error, response } = await server.client().GET('/customers', {
        params: { query: { paginate: true, maxResults: 201 } },
      });
      expect(response.status).toBe(400);
      expect(error?.errors).toEqual([expect.objectContaining({ path: 'maxResults', invalidValue: 201, constraint: 'Max' })]);
    });

    test('an unknown query parameter is 400', async () => {
      const response = await server.raw('GET', '/customers?colour=blue', {
        headers: { authorization: basic(server.one) },
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { errors: unknown[] };
      expect(body.errors).toEqual([expect.objectContaining({ path: 'colour', constraint: 'UnknownProperty' })]);
    });
  });

  describe('accounts', () => {
    test('create answers 201 with the full Account and server-assigned fields', async () => {
      const customer = await createCustomer();
      const { data, response } = await server.client().POST('/customers/{customerIdentifier}/accounts', {
        params: { path: { customerIdentifier: customer.customerIdentifier } },
        body: { accountIdentifier: 'acme-q4-bonus', displayName: 'Q4 bonus pool', contactEmail: 'finance@acme.example' },
      });
      expect(response.status).toBe(201);
      expect(data).toEqual({
        accountIdentifier: 'acme-q4-bonus',
        accountNumber: expect.stringMatching(/^A\d{8}$/),
        displayName: 'Q4 bonus pool',
        currencyCode: 'USD',
        currentBalance: 0,
        createdAt: expect.stringMatching(ISO_MILLIS),
        status: 'ACTIVE',
        contactEmail: 'finance@acme.example',
        fundingNotification: [],
      });
    });

    test('currency and funding notification are kept', async () => {
      const customer = await createCustomer();
      const account = await createAccount(customer.customerIdentifier, unique('eur'), {
        currencyCode: 'EUR',
        fundingNotification: [{ emailAddress: 'ops@acme.example' }],
      });
      expect(account.currencyCode).toBe('EUR');
      expect(account.fundingNotification).toEqual([{ emailAddress: 'ops@acme.example' }]);
    });

    test('an upper-case account identifier is rejected, never lowercased', async () => {
      const customer = await createCustomer();
      const { error, response } = await server.client().POST('/customers/{customerIdentifier}/accounts', {
        params: { path: { customerIdentifier: customer.customerIdentifier } },
        body: { accountIdentifier: 'Acme-Bonus', displayName: 'Q4 bonus pool', contactEmail: 'not-an-email' },
      });
      expect(response.status).toBe(400);
      expect(error?.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ path: 'accountIdentifier', invalidValue: 'Acme-Bonus', constraint: 'Pattern' }),
          expect.objectContaining({ path: 'contactEmail', invalidValue: 'not-an-email', constraint: 'Email' }),
        ]),
      );
    });

    test('more than 50 funding notification recipients is a 400', async () => {
      const customer = await createCustomer();
      const fundingNotification = Array.from({ length: 51 }, (_, i) => ({ emailAddress: `ops-${i}@acme.example` }));
      const { error, response } = await server.client().POST('/customers/{customerIdentifier}/accounts', {
        params: { path: { customerIdentifier: customer.customerIdentifier } },
        body: { accountIdentifier: unique('many'), displayName: 'Q4 bonus pool', contactEmail: 'a@acme.example', fundingNotification },
      });
      expect(response.status).toBe(400);
      expect(error?.errors).toEqual([expect.objectContaining({ path: 'fundingNotification', constraint: 'Size' })]);
    });

    test('an account identifier is unique across the customers of a platform (409.018)', async () => {
      const first = await createCustomer();
      const second = await createCustomer();
      const account = await createAccount(first.customerIdentifier);
      const { error, response } = await server.client().POST('/customers/{customerIdentifier}/accounts', {
        params: { path: { customerIdentifier: second.customerIdentifier } },
        body: { accountIdentifier: account.accountIdentifier, displayName: 'Again', contactEmail: 'a@acme.example' },
      });
      expect(response.status).toBe(409);
      expect(error).toMatchObject({
        i18nKey: '409.018',
        message: `The account identifier, ${account.accountIdentifier}, already exists on this platform.`,
      });
    });

    test('accounts of an unknown customer are 404.002', async () => {
      const client = server.client();
      const params = { path: { customerIdentifier: 'no-such-customer' } };
      const created = await client.POST('/customers/{customerIdentifier}/accounts', {
        params,
        body: { accountIdentifier: unique('acct'), displayName: 'Q4 bonus pool', contactEmail: 'a@acme.example' },
      });
      const listed = await client.GET('/customers/{customerIdentifier}/accounts', { params });
      for (const { error, response } of [created, listed]) {
        expect(response.status).toBe(404);
        expect(error?.i18nKey).toBe('404.002');
      }
    });

    test('list, get and list-all show the account', async () => {
      const customer = await createCustomer();
      const account = await createAccount(customer.customerIdentifier);
      const client = server.client();
      const listed = await client.GET('/customers/{customerIdentifier}/accounts', {
        params: { path: { customerIdentifier: customer.customerIdentifier } },
      });
      expect(listed.data).toEqual([account]);
      const got = await client.GET('/accounts/{accountIdentifier}', {
        params: { path: { accountIdentifier: account.accountIdentifier } },
      });
      expect(got.data).toEqual(account);
      const all = await client.GET('/accounts');
      expect(all.response.status).toBe(200);
      expect(all.data).toContainEqual(account);
    });

    test('an unknown account is 404.016', async () => {
      const { error, response } = await server.client().GET('/accounts/{accountIdentifier}', {
        params: { path: { accountIdentifier: 'no-such-account' } },
      });
      expect(response.status).toBe(404);
      expect(error).toMatchObject({ i18nKey: '404.016', message: 'The account you specified does not exist.' });
    });

    test('a malformed account identifier in the path is 400', async () => {
      const { response } = await server.client().GET('/accounts/{accountIdentifier}', {
        params: { path: { accountIdentifier: 'UPPER-CASE' } },
      });
      expect(response.status).toBe(400);
    });

    test('list queries are validated on both account lists', async () => {
      const client = server.client();
      const all = await client.GET('/accounts', { params: { query: { currencyCode: ['XYZ' as never] } } });
      expect(all.response.status).toBe(400);
      const customer = await createCustomer();
      const ofCustomer = await client.GET('/customers/{customerIdentifier}/accounts', {
        params: { path: { customerIdentifier: customer.customerIdentifier }, query: { maxResults: 0 } },
      });
      expect(ofCustomer.response.status).toBe(400);
    });

    test('update changes only what it names; identifier, number, currency and balance stay', async () => {
      const customer = await createCustomer();
      const account = await createAccount(customer.customerIdentifier, unique('upd'), { currencyCode: 'GBP' });
      const { data, response } = await server.client().PATCH('/customers/{customerIdentifier}/accounts/{accountIdentifier}', {
        params: { path: { customerIdentifier: customer.customerIdentifier, accountIdentifier: account.accountIdentifier } },
        body: { displayName: 'Renamed pool', fundingNotification: [{ emailAddress: 'cfo@acme.example' }] },
      });
      expect(response.status).toBe(200);
      expect(data).toEqual({
        ...account,
        displayName: 'Renamed pool',
        fundingNotification: [{ emailAddress: 'cfo@acme.example' }],
      });
    });

    test('update rejects an empty patch, and a currency change (ignored) leaves it empty', async () => {
      const customer = await createCustomer();
      const account = await createAccount(customer.customerIdentifier);
      const params = { path: { customerIdentifier: customer.customerIdentifier, accountIdentifier: account.accountIdentifier } };
      const client = server.client();
      const empty = await client.PATCH('/customers/{customerIdentifier}/accounts/{accountIdentifier}', { params, body: {} });
      expect(empty.response.status).toBe(400);
      expect(empty.error?.errors).toEqual([expect.objectContaining({ path: '(body)', i18nKey: '422.001', constraint: 'NotEmpty' })]);
      const currency = await client.PATCH('/customers/{customerIdentifier}/accounts/{accountIdentifier}', {
        params,
        body: { currencyCode: 'EUR' } as never,
      });
      expect(currency.response.status).toBe(400);
      expect(currency.error?.errors).toEqual([expect.objectContaining({ path: '(body)', constraint: 'NotEmpty' })]);
      const stored = await client.GET('/accounts/{accountIdentifier}', { params: { path: account } });
      expect(stored.data).toEqual(account);
    });

    test('update answers 404.002, 404.016 and 404.020 for the wrong customer or account', async () => {
      const owner = await createCustomer();
      const other = await createCustomer();
      const account = await createAccount(owner.customerIdentifier);
      const client = server.client();
      const patch = (customerIdentifier: string, accountIdentifier: string) =>
        client.PATCH('/customers/{customerIdentifier}/accounts/{accountIdentifier}', {
          params: { path: { customerIdentifier, accountIdentifier } },
          body: { displayName: 'Renamed pool' },
        });
      expect((await patch('no-such-customer', account.accountIdentifier)).error?.i18nKey).toBe('404.002');
      expect((await patch(owner.customerIdentifier, 'no-such-account')).error?.i18nKey).toBe('404.016');
      const misplaced = await patch(other.customerIdentifier, account.accountIdentifier);
      expect(misplaced.response.status).toBe(404);
      expect(misplaced.error).toMatchObject({
        i18nKey: '404.020',
        message: 'The account does not exist under the specified customer.',
      });
    });

    test('account numbers are unique', async () => {
      const customer = await createCustomer();
      const accounts = await Promise.all(Array.from({ length: 30 }, () => createAccount(customer.customerIdentifier)));
      expect(new Set(accounts.map((a) => a.accountNumber)).size).toBe(30);
    });
  });

  describe('authentication and authorisation', () => {
    test.each([
      ['no credentials', null],
      ['a wrong key', { name: 'platform-one', key: 'x'.repeat(43) }],
      ['an unknown platform', { name: 'platform-nobody', key: 'x'.repeat(43) }],
    ])('every operation answers 401.501 with %s', async (_label, credentials) => {
      const results = await everyOperation(server, credentials);
      for (const { operationId, error, response } of results) {
        expect(response.status, operationId).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
        expect(error).toMatchObject({
          i18nKey: '401.501',
          message: 'Authentication failed. Please check your platform name and key.',
        });
      }
    });

    test.each([
      'Bearer abc',
      'Basic !!!',
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
      'Basic',
      // A name no platform can have: refused without a lookup.
      `Basic ${Buffer.from(`${'n'.repeat(5_000)}:key`).toString('base64')}`,
    ])('a malformed Authorization header (%s) is 401', async (authorization) => {
      const response = await server.raw('GET', '/customers', { headers: { authorization } });
      expect(response.status).toBe(401);
    });

    test('a read-only credential reads but may not create or update (403.017)', async () => {
      const customer = await createCustomer();
      const account = await createAccount(customer.customerIdentifier);
      const client = server.client(server.oneReadOnly);
      expect((await client.GET('/customers/{customerIdentifier}', { params: { path: customer } })).response.status).toBe(200);
      const attempts = await Promise.all([
        client.POST('/customers', { body: { customerIdentifier: unique('ro'), displayName: 'Read only' } }),
        client.POST('/customers/{customerIdentifier}/accounts', {
          params: { path: customer },
          body: { accountIdentifier: unique('ro'), displayName: 'Read only', contactEmail: 'a@acme.example' },
        }),
        client.PATCH('/customers/{customerIdentifier}/accounts/{accountIdentifier}', {
          params: { path: { customerIdentifier: customer.customerIdentifier, accountIdentifier: account.accountIdentifier } },
          body: { displayName: 'Read only' },
        }),
      ]);
      for (const { error, response } of attempts) {
        expect(response.status).toBe(403);
        expect(error).toMatchObject({ i18nKey: '403.017', message: 'Platform is not verified to create customers or accounts.' });
      }
    });

    test('a credential limited to some customers sees and touches only those (403.007; other accounts do not exist for it)', async () => {
      const allowed = await createCustomer('restricted-one');
      const allowedAccount = await createAccount(allowed.customerIdentifier);
      const outside = await createCustomer();
      const outsideAccount = await createAccount(outside.customerIdentifier);
      const client = server.client(server.oneRestricted);

      const customers = (await client.GET('/customers')).data as { customerIdentifier: string }[];
      expect(customers.map((c) => c.customerIdentifier)).toEqual(['restricted-one']);
      const accounts = (await client.GET('/accounts')).data as { accountIdentifier: string }[];
      expect(accounts.map((a) => a.accountIdentifier)).toEqual([allowedAccount.accountIdentifier]);
      expect((await client.GET('/accounts/{accountIdentifier}', { params: { path: allowedAccount } })).response.status).toBe(200);
      // An account of another customer does not exist for this credential (a 403 would say it does).
      const hidden = await client.GET('/accounts/{accountIdentifier}', { params: { path: outsideAccount } });
      expect(hidden.response.status).toBe(404);
      expect(hidden.error).toMatchObject({ i18nKey: '404.016' });

      const denied = await Promise.all([
        client.GET('/customers/{customerIdentifier}', { params: { path: outside } }),
        client.GET('/customers/{customerIdentifier}/accounts', { params: { path: outside } }),
        client.POST('/customers', { body: { customerIdentifier: unique('other'), displayName: 'Not allowed' } }),
        client.POST('/customers/{customerIdentifier}/accounts', {
          params: { path: outside },
          body: { accountIdentifier: unique('acct'), displayName: 'Not allowed', contactEmail: 'a@acme.example' },
        }),
        client.PATCH('/customers/{customerIdentifier}/accounts/{accountIdentifier}', {
          params: { path: { customerIdentifier: outside.customerIdentifier, accountIdentifier: outsideAccount.accountIdentifier } },
          body: { displayName: 'Not allowed' },
        }),
      ]);
      for (const { error, response } of denied) {
        expect(response.status).toBe(403);
        expect(error).toMatchObject({ i18nKey: '403.007', message: 'Customer Identifier not found in authorized ids.' });
      }
      const created = await client.POST('/customers', { body: { customerIdentifier: 'restricted-two', displayName: 'Allowed' } });
      expect(created.response.status).toBe(201);
    });

    test('one platform never sees another platform’s customers or accounts', async () => {
      const customer = await createCustomer();
      const account = await createAccount(customer.customerIdentifier);
      const two = server.client(server.two);
      expect((await two.GET('/customers/{customerIdentifier}', { params: { path: customer } })).error?.i18nKey).toBe('404.002');
      expect((await two.GET('/accounts/{accountIdentifier}', { params: { path: account } })).error?.i18nKey).toBe('404.016');
      const lists = [(await two.GET('/customers')).data, (await two.GET('/accounts')).data];
      expect(JSON.stringify(lists)).not.toContain(customer.customerIdentifier);
      expect(JSON.stringify(lists)).not.toContain(account.accountIdentifier);
    });
  });

  describe('HTTP', () => {
    const auth = () => ({ authorization: basic(server.one) });
    const bodyRoutes = async () => {
      const customer = await createCustomer();
      const account = await createAccount(customer.customerIdentifier);
      return [
        ['POST', '/customers'],
        ['POST', `/customers/${customer.customerIdentifier}/accounts`],
        ['PATCH', `/customers/${customer.customerIdentifier}/accounts/${account.accountIdentifier}`],
        ['POST', '/creditCards'],
        ['POST', '/creditCardUnregisters'],
        ['POST', '/creditCardDeposits'],
        ['POST', '/transferFunds'],
        ['POST', `/customers/${customer.customerIdentifier}/accounts/${account.accountIdentifier}/lowbalance`],
        ['PATCH', `/customers/${customer.customerIdentifier}/accounts/${account.accountIdentifier}/lowbalance/${crypto.randomUUID()}`],
      ] as const;
    };

    test('malformed JSON is 400.501', async () => {
      for (const [method, path] of await bodyRoutes()) {
        const response = await server.raw(method, path, {
          headers: { ...auth(), 'content-type': 'application/json' },
          body: '{"customerIdentifier": ',
        });
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({
          i18nKey: '400.501',
          message: 'JSON Parsing error. Please review your JSON formatting',
        });
      }
    });

    test('a body that is not JSON is 415.001', async () => {
      for (const [method, path] of await bodyRoutes()) {
        const response = await server.raw(method, path, {
          headers: { ...auth(), 'content-type': 'text/plain' },
          body: 'customerIdentifier=acme',
        });
        expect(response.status).toBe(415);
        expect(await response.json()).toMatchObject({ i18nKey: '415.001', message: 'Unsupported Media Type' });
      }
    });

    test('a body over 64 KiB is 413.001 whatever it contains, and nothing is stored', async () => {
      const id = unique('big');
      const big = JSON.stringify({ customerIdentifier: id, displayName: 'x'.repeat(70 * 1024) });
      for (const [method, path] of await bodyRoutes()) {
        for (const contentType of ['application/json', 'text/plain']) {
          const response = await server.raw(method, path, { headers: { ...auth(), 'content-type': contentType }, body: big });
          expect(response.status).toBe(413);
          expect(await response.json()).toMatchObject({ i18nKey: '413.001', message: 'Payload Too Large' });
        }
      }
      const platform = await server.store.findPlatform('platform-one');
      expect(await server.store.findCustomer(platform!.id, id)).toBeUndefined();
    });

    test('an unknown route is 404.001 and a wrong method 405.001', async () => {
      const unknown = await server.raw('GET', '/rewards', { headers: auth() });
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ i18nKey: '404.001', message: 'Not found', path: '/raas/v2/rewards' });
      const outside = await fetch(new URL('/nowhere', server.baseUrl));
      expect(outside.status).toBe(404);
      const wrongMethod = await server.raw('DELETE', '/customers', { headers: auth() });
      expect(wrongMethod.status).toBe(405);
      expect(await wrongMethod.json()).toMatchObject({ i18nKey: '405.001', message: 'Method not allowed' });
      expect(wrongMethod.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
    });

    test('every response carries X-REQUEST-ID, equal to the error body’s requestId', async () => {
      const ok = await server.client().GET('/customers');
      expect(ok.response.headers.get('x-request-id')).toMatch(UUID);
      const failed = await server.client().GET('/customers/{customerIdentifier}', {
        params: { path: { customerIdentifier: 'no-such-customer' } },
      });
      expect(failed.response.headers.get('x-request-id')).toBe(failed.error?.requestId);
      expect(failed.error?.timestamp).toMatch(ISO_MILLIS);
      const unauthenticated = await server.client(null).GET('/customers');
      expect(unauthenticated.response.headers.get('x-request-id')).toBe(unauthenticated.error?.requestId);
    });

    test('concurrent duplicate creates yield exactly one 201 and the rest 409', async () => {
      const id = unique('race');
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          server.client().POST('/customers', { body: { customerIdentifier: id, displayName: 'Race condition' } }),
        ),
      );
      const statuses = results.map((r) => r.response.status).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    });

    test('security headers are set and the framework is not advertised', async () => {
      const { response } = await server.client().GET('/customers');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
      expect(response.headers.get('x-powered-by')).toBeNull();
    });

    test('a request target over 4 KiB is 414.001 on every operation; the server keeps serving', async () => {
      const customer = await createCustomer();
      const account = await createAccount(customer.customerIdentifier);
      const padding = `?padding=${'a'.repeat(5_000)}`;
      const targets = [
        ['GET', '/customers'],
        ['POST', '/customers'],
        ['GET', `/customers/${customer.customerIdentifier}`],
        ['GET', `/customers/${customer.customerIdentifier}/accounts`],
        ['POST', `/customers/${customer.customerIdentifier}/accounts`],
        ['PATCH', `/customers/${customer.customerIdentifier}/accounts/${account.accountIdentifier}`],
        ['GET', '/accounts'],
        ['GET', `/accounts/${account.accountIdentifier}`],
        ['GET', '/creditCards'],
        ['POST', '/creditCards'],
        ['GET', `/creditCards/${'a'.repeat(40)}`],
        ['POST', '/creditCardUnregisters'],
        ['POST', '/creditCardDeposits'],
        ['GET', '/creditCardDeposits/RAD-180426-5407'],
        ['POST', '/transferFunds'],
        ['GET', `/customers/${customer.customerIdentifier}/accounts/${account.accountIdentifier}/lowbalance`],
        ['POST', `/customers/${customer.customerIdentifier}/accounts/${account.accountIdentifier}/lowbalance`],
        ['GET', `/customers/${customer.customerIdentifier}/accounts/${account.accountIdentifier}/lowbalance/${crypto.randomUUID()}`],
        ['PATCH', `/customers/${customer.customerIdentifier}/accounts/${account.accountIdentifier}/lowbalance/${crypto.randomUUID()}`],
        ['DELETE', `/customers/${customer.customerIdentifier}/accounts/${account.accountIdentifier}/lowbalance/${crypto.randomUUID()}`],
      ] as const;
      for (const [method, path] of targets) {
        const response = await server.raw(method, `${path}${padding}`, { headers: auth() });
        expect(response.status, `${method} ${path}`).toBe(414);
        expect(await response.json()).toMatchObject({ i18nKey: '414.001', message: 'URI Too Long' });
      }
      expect((await server.client().GET('/customers')).response.status).toBe(200);
    });

    test('the API reference is served at /docs/, self-contained', async () => {
      const origin = new URL(server.baseUrl).origin;
      const redirect = await fetch(`${origin}/docs`, { redirect: 'manual' });
      expect(redirect.status).toBe(301);
      expect(redirect.headers.get('location')).toBe('/docs/');
      const page = await fetch(`${origin}/docs/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self' 'unsafe-inline'");
      expect(await page.text()).toContain('RaaS Customers API');
      expect((await fetch(`${origin}/docs/openapi.yaml`)).status).toBe(200);
      // The relaxed policy is the page's only: the API keeps the strict one.
      const api = await server.client().GET('/customers');
      expect(api.response.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
    });

    test('the bundled spec is served', async () => {
      const response = await fetch(`${server.baseUrl}/openapi.json`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { openapi: string }).openapi).toMatch(/^3\.1/);
    });
  });

  describe('unknown body properties', () => {
    /** The same server in strict mode (STRICT_BODIES=true), on the same kind of store. */
    let strict: TestServer;
    beforeAll(async () => {
      strict = await startTestServer(server.kind, { strictBodies: true });
    });
    afterAll(async () => {
      await strict?.close();
    });

    // What real clients send: Bonusly's tangolicious merges its configured identifiers into every
    // POST body; others echo read-only fields back, or carry fields of their own.
    const customerBody = (customerIdentifier: string) => ({
      customerIdentifier,
      displayName: 'Acme Retail US',
      accountIdentifier: 'configured-default',
      platformName: 'acme-platform',
    });
    const accountBody = (accountIdentifier: string) => ({
      accountIdentifier,
      displayName: `Pool ${accountIdentifier}`,
      contactEmail: 'finance@acme.example',
      customerIdentifier: 'configured-default',
      accountNumber: 'A00000001',
      currentBalance: 1000,
      status: 'FROZEN',
      // Unknown names inside the items too, prototype member names among them.
      fundingNotification: [
        { emailAddress: 'ops@acme.example', name: 'Ops team' },
        { emailAddress: 'cfo@acme.example', valueOf: 'x', toString: 'y' },
      ],
    });
    const cleanRecipients = [{ emailAddress: 'ops@acme.example' }, { emailAddress: 'cfo@acme.example' }];
    const patchBody = {
      displayName: 'Renamed with extras',
      currencyCode: 'EUR',
      currentBalance: 99,
      accountNumber: 'A00000002',
      nickname: 'typo',
    };

    test('are ignored by default: dropped before anything is stored, never echoed (create, create account, update)', async () => {
      const client = server.client();
      const customerIdentifier = unique('lenient');
      const created = await client.POST('/customers', { body: customerBody(customerIdentifier) as never });
      expect(created.response.status).toBe(201);
      expect(Object.keys(created.data!).sort()).toEqual(['accounts', 'createdAt', 'customerIdentifier', 'displayName', 'status']);
      const path = { customerIdentifier };

      const accountIdentifier = unique('lenient');
      const opened = await client.POST('/customers/{customerIdentifier}/accounts', {
        params: { path },
        body: accountBody(accountIdentifier) as never,
      });
      expect(opened.response.status).toBe(201);
      expect(opened.data).toMatchObject({ currentBalance: 0, status: 'ACTIVE', currencyCode: 'USD', fundingNotification: cleanRecipients });
      expect(opened.data?.accountNumber).not.toBe('A00000001');
      expect(Object.keys(opened.data!)).not.toContain('customerIdentifier');

      const patched = await client.PATCH('/customers/{customerIdentifier}/accounts/{accountIdentifier}', {
        params: { path: { customerIdentifier, accountIdentifier } },
        body: patchBody as never,
      });
      expect(patched.response.status).toBe(200);
      expect(patched.data).toEqual({ ...opened.data, displayName: 'Renamed with extras' });

      // What is stored is exactly what was answered: no trace of the unknown properties.
      const platform = (await server.store.findPlatform('platform-one'))!;
      const stored = await server.store.findAccount(platform.id, accountIdentifier);
      expect(stored?.account).toEqual(patched.data);
      expect(JSON.stringify(stored)).not.toMatch(/Ops team|valueOf|toString|nickname|configured-default/);
      expect(JSON.stringify(await server.store.findCustomer(platform.id, customerIdentifier))).not.toMatch(
        /configured-default|acme-platform/,
      );
    });

    test('an update of nothing but unknown properties is an empty update (400)', async () => {
      const customer = await createCustomer();
      const account = await createAccount(customer.customerIdentifier);
      const { error, response } = await server.client().PATCH('/customers/{customerIdentifier}/accounts/{accountIdentifier}', {
        params: { path: { customerIdentifier: customer.customerIdentifier, accountIdentifier: account.accountIdentifier } },
        body: { nickname: 'typo', currencyCode: 'EUR' } as never,
      });
      expect(response.status).toBe(400);
      expect(error?.errors).toEqual([expect.objectContaining({ path: '(body)', constraint: 'NotEmpty' })]);
    });

    test('are rejected in strict mode: 400 naming each one, nothing stored (create, create account, update)', async () => {
      const client = strict.client(strict.one);
      const platform = (await strict.store.findPlatform('platform-one'))!;
      const unknown = (errors: { path: string; i18nKey: string; constraint: string }[] | undefined) =>
        errors
          ?.filter((e) => e.constraint === 'UnknownProperty' && e.i18nKey === '422.001')
          .map((e) => e.path)
          .sort();

      const customerIdentifier = unique('strict');
      const refused = await client.POST('/customers', { body: customerBody(customerIdentifier) as never });
      expect(refused.response.status).toBe(400);
      expect(unknown(refused.error?.errors)).toEqual(['accountIdentifier', 'platformName']);
      expect(await strict.store.findCustomer(platform.id, customerIdentifier)).toBeUndefined();

      const path = { customerIdentifier };
      expect((await client.POST('/customers', { body: { customerIdentifier, displayName: 'Strict customer' } })).response.status).toBe(201);
      const accountIdentifier = unique('strict');
      // Prototype member names are refused before validation (they trip the validator), on their own.
      const { fundingNotification: _items, ...plainAccount } = accountBody(accountIdentifier);
      const withItems = { ...plainAccount, fundingNotification: [{ emailAddress: 'ops@acme.example', name: 'Ops team' }] };
      const refusedAccount = await client.POST('/customers/{customerIdentifier}/accounts', { params: { path }, body: withItems as never });
      expect(refusedAccount.response.status).toBe(400);
      expect(unknown(refusedAccount.error?.errors)).toEqual([
        'accountNumber',
        'currentBalance',
        'customerIdentifier',
        'fundingNotification[0].name',
        'status',
      ]);
      const prototypeNames = await client.POST('/customers/{customerIdentifier}/accounts', {
        params: { path },
        body: accountBody(accountIdentifier) as never,
      });
      expect(unknown(prototypeNames.error?.errors)).toEqual(['fundingNotification[1].toString', 'fundingNotification[1].valueOf']);
      expect(await strict.store.findAccount(platform.id, accountIdentifier)).toBeUndefined();

      const opened = await client.POST('/customers/{customerIdentifier}/accounts', {
        params: { path },
        body: { accountIdentifier, displayName: `Pool ${accountIdentifier}`, contactEmail: 'finance@acme.example' },
      });
      expect(opened.response.status).toBe(201);
      const refusedPatch = await client.PATCH('/customers/{customerIdentifier}/accounts/{accountIdentifier}', {
        params: { path: { customerIdentifier, accountIdentifier } },
        body: patchBody as never,
      });
      expect(refusedPatch.response.status).toBe(400);
      expect(unknown(refusedPatch.error?.errors)).toEqual(['accountNumber', 'currencyCode', 'currentBalance', 'nickname']);
      expect((await strict.store.findAccount(platform.id, accountIdentifier))?.account).toEqual(opened.data);
    });
  });

  describe('field errors', () => {
    // API-REFERENCE's field-error table, every row: the catalogue's key, message and constraint
    // for the rule that broke. The top-level error stays 400.001.
    const ACCOUNT_NAMING =
      'The account name or account identifier does not match our naming conventions. ' +
      'Please consult our acceptable naming conventions at https://sandbox.tangocard.com/raas_api_console/v2/';
    const customer = { customerIdentifier: 'field-errors', displayName: 'Acme Retail US' };
    const account = { accountIdentifier: 'field-errors-pool', displayName: 'Field errors pool', contactEmail: 'a@acme.example' };
    const recipients = (n: number) => Array.from({ length: n }, (_, i) => ({ emailAddress: `ops-${i}@acme.example` }));
    const ROWS: [
      string,
      'customer' | 'account',
      Record<string, unknown>,
      { path: string; i18nKey: string; message: string; constraint: string },
    ][] = [
      [
        'required field missing',
        'customer',
        { displayName: 'Acme Retail US' },
        { path: 'customerIdentifier', i18nKey: '422.128', message: 'may not be null', constraint: 'NotNull' },
      ],
      [
        'required field null',
        'account',
        { ...account, contactEmail: null },
        { path: 'contactEmail', i18nKey: '422.128', message: 'may not be null', constraint: 'NotNull' },
      ],
      [
        'customerIdentifier pattern',
        'customer',
        { ...customer, customerIdentifier: 'acme_retail' },
        { path: 'customerIdentifier', i18nKey: '422.501', message: 'must match "^[-a-zA-Z0-9]{5,100}$"', constraint: 'Pattern' },
      ],
      [
        'customerIdentifier length',
        'customer',
        { ...customer, customerIdentifier: 'acme' },
        { path: 'customerIdentifier', i18nKey: '422.501', message: 'must match "^[-a-zA-Z0-9]{5,100}$"', constraint: 'Pattern' },
      ],
      [
        'accountIdentifier pattern',
        'account',
        { ...account, accountIdentifier: 'Field-Errors' },
        { path: 'accountIdentifier', i18nKey: '422.008', message: ACCOUNT_NAMING, constraint: 'Pattern' },
      ],
      [
        'accountIdentifier length',
        'account',
        { ...account, accountIdentifier: 'a'.repeat(101) },
        { path: 'accountIdentifier', i18nKey: '422.008', message: ACCOUNT_NAMING, constraint: 'Pattern' },
      ],
      [
        'display name too short',
        'customer',
        { ...customer, displayName: 'Acme' },
        { path: 'displayName', i18nKey: '422.126', message: 'length must be between 5 and 100', constraint: 'Size' },
      ],
      [
        'display name too long',
        'account',
        { ...account, displayName: 'P'.repeat(101) },
        { path: 'displayName', i18nKey: '422.126', message: 'length must be between 5 and 100', constraint: 'Size' },
      ],
      [
        'display name characters',
        'customer',
        { ...customer, displayName: 'Acme <Retail> US' },
        {
          path: 'displayName',
          i18nKey: '422.111',
          message: 'The string value contains possibly insecure characters',
          constraint: 'Pattern',
        },
      ],
      [
        'not an email address',
        'account',
        { ...account, contactEmail: 'finance-at-acme' },
        { path: 'contactEmail', i18nKey: '422.134', message: 'not a well-formed email address', constraint: 'Email' },
      ],
      [
        'a recipient not an email address',
        'account',
        { ...account, fundingNotification: [{ emailAddress: 'ops' }] },
        {
          path: 'fundingNotification[0].emailAddress',
          i18nKey: '422.134',
          message: 'not a well-formed email address',
          constraint: 'Email',
        },
      ],
      [
        'contactEmail over 255 characters',
        'account',
        { ...account, contactEmail: `${'x'.repeat(243)}@acme.example` },
        { path: 'contactEmail', i18nKey: '422.129', message: 'length must be between 1 and 255', constraint: 'Size' },
      ],
      [
        'more than 50 recipients',
        'account',
        { ...account, fundingNotification: recipients(51) },
        { path: 'fundingNotification', i18nKey: '422.138', message: 'size must be between 0 and 50', constraint: 'Size' },
      ],
      [
        'value outside an enumeration',
        'account',
        { ...account, currencyCode: 'XYZ' },
        { path: 'currencyCode', i18nKey: '422.021', message: "must be a valid value (e.g., 'currency').", constraint: 'Enum' },
      ],
      [
        'anything else: a wrong JSON type',
        'customer',
        { ...customer, displayName: 42 },
        { path: 'displayName', i18nKey: '422.001', message: 'Unprocessable entity: must be string', constraint: 'Type' },
      ],
      [
        'anything else: a repeated recipient',
        'account',
        { ...account, fundingNotification: [{ emailAddress: 'a@acme.example' }, { emailAddress: 'a@acme.example' }] },
        {
          path: 'fundingNotification',
          i18nKey: '422.001',
          message: expect.stringMatching(/^Unprocessable entity: /) as unknown as string,
          constraint: 'Unique',
        },
      ],
    ];

    test('each rule that breaks answers the catalogue’s key, message and constraint; every invalid field is listed', async () => {
      const home = await createCustomer();
      const client = server.client();
      const send = (kind: 'customer' | 'account', body: Record<string, unknown>) =>
        kind === 'customer'
          ? client.POST('/customers', { body: body as never })
          : client.POST('/customers/{customerIdentifier}/accounts', { params: { path: home }, body: body as never });
      for (const [rule, kind, body, expected] of ROWS) {
        const { error, response } = await send(kind, body);
        expect(response.status, rule).toBe(400);
        expect(error, rule).toMatchObject({ httpCode: 400, i18nKey: '400.001', message: 'Invalid Request' });
        expect(error?.errors, rule).toEqual([expect.objectContaining(expected)]);
      }
      // A query parameter outside its enumeration, and several invalid fields at once, each listed.
      const status = await client.GET('/accounts', { params: { query: { status: 'CLOSED' as never } } });
      expect(status.error?.errors).toEqual([
        expect.objectContaining({ path: 'status', i18nKey: '422.021', constraint: 'Enum', invalidValue: 'CLOSED' }),
      ]);
      const all = await send('account', { accountIdentifier: 'Bad', displayName: null, contactEmail: 'nope', currencyCode: 'XYZ' });
      expect(all.error?.errors?.map((e) => [e.path, e.i18nKey]).sort()).toEqual([
        ['accountIdentifier', '422.008'],
        ['contactEmail', '422.134'],
        ['currencyCode', '422.021'],
        ['displayName', '422.128'],
      ]);
    });
  });

  describe('account display names', () => {
    test('a name another account of the platform holds is 409.017 on create, naming it; nothing is stored', async () => {
      const first = await createCustomer();
      const second = await createCustomer();
      const taken = await createAccount(first.customerIdentifier);
      const accountIdentifier = unique('acct');
      const { error, response } = await server.client().POST('/customers/{customerIdentifier}/accounts', {
        params: { path: second },
        body: { accountIdentifier, displayName: taken.displayName, contactEmail: 'a@acme.example' },
      });
      expect(response.status).toBe(409);
      expect(error).toMatchObject({
        httpCode: 409,
        i18nKey: '409.017',
        message: `The account display name, ${taken.displayName}, already exists on this platform.`,
      });
      expect(
        (await server.client().GET('/accounts/{accountIdentifier}', { params: { path: { accountIdentifier } } })).response.status,
      ).toBe(404);
    });

    test('when identifier and name both collide, the identifier’s 409.018 is the answer', async () => {
      const customer = await createCustomer();
      const taken = await createAccount(customer.customerIdentifier);
      const { error } = await server.client().POST('/customers/{customerIdentifier}/accounts', {
        params: { path: customer },
        body: { accountIdentifier: taken.accountIdentifier, displayName: taken.displayName, contactEmail: 'a@acme.example' },
      });
      expect(error?.i18nKey).toBe('409.018');
    });

    test('a rename to another account’s name is a typed 409.017 and changes nothing; its own name is no conflict', async () => {
      const customer = await createCustomer();
      const holder = await createAccount(customer.customerIdentifier);
      const renamed = await createAccount(customer.customerIdentifier);
      const client = server.client();
      const patch = (accountIdentifier: string, displayName: string) =>
        client.PATCH('/customers/{customerIdentifier}/accounts/{accountIdentifier}', {
          params: { path: { customerIdentifier: customer.customerIdentifier, accountIdentifier } },
          body: { displayName, contactEmail: 'changed@acme.example' },
        });
      const { error, response } = await patch(renamed.accountIdentifier, holder.displayName);
      expect(response.status).toBe(409);
      // Typed: the spec documents the 409, so the client's error is an ErrorInfo.
      const key: string | undefined = error?.i18nKey;
      expect(key).toBe('409.017');
      expect(error?.message).toBe(`The account display name, ${holder.displayName}, already exists on this platform.`);
      const unchanged = await client.GET('/accounts/{accountIdentifier}', { params: { path: renamed } });
      expect(unchanged.data).toEqual(renamed);
      const same = await patch(holder.accountIdentifier, holder.displayName);
      expect(same.response.status).toBe(200);
      expect(same.data).toEqual({ ...holder, contactEmail: 'changed@acme.example' });
    });

    test('names are unique per platform only, and customers may share theirs', async () => {
      const mine = await createAccount((await createCustomer()).customerIdentifier);
      const theirs = await createCustomer(unique('theirs'), server.two);
      const { response } = await server.client(server.two).POST('/customers/{customerIdentifier}/accounts', {
        params: { path: theirs },
        body: { accountIdentifier: unique('acct'), displayName: mine.displayName, contactEmail: 'a@acme.example' },
      });
      expect(response.status).toBe(201);
      const twins = await Promise.all([createCustomer(), createCustomer()]);
      expect(twins[0].displayName).toBe(twins[1].displayName);
    });
  });

  describe('HEAD', () => {
    /**
     * The end-to-end headers. Left out: those of one answer (date, request id) and the hop-by-hop
     * framing of a body that HEAD does not have (a streamed list is chunked under GET; Node closes
     * the connection after a HEAD that has no length to announce).
     */
    const comparable = (response: Response) => {
      const headers = Object.fromEntries(response.headers);
      for (const name of ['date', 'x-request-id', 'transfer-encoding', 'connection', 'keep-alive']) delete headers[name];
      return headers;
    };

    test('every GET operation of the spec answers HEAD: same status and headers, no body', async () => {
      const customer = await createCustomer();
      const account = await createAccount(customer.customerIdentifier);
      const owner = { customerIdentifier: customer.customerIdentifier, accountIdentifier: account.accountIdentifier };
      const card = (
        await server.client().POST('/creditCards', { body: sandboxCardRequest(owner.customerIdentifier, owner.accountIdentifier) })
      ).data!;
      const deposit = (await server.client().POST('/creditCardDeposits', { body: { ...owner, creditCardToken: card.token, amount: 1 } }))
        .data!;
      const alert = (
        await server.client().POST('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance', {
          params: { path: owner },
          body: { balanceAlertDisplayName: 'Low', balanceAlertThreshold: 1 },
        })
      ).data!;
      const gets = operations.filter((op) => op.method === 'GET');
      const found = {
        customerIdentifier: customer.customerIdentifier,
        accountIdentifier: account.accountIdentifier,
        token: card.token,
        referenceDepositID: deposit.referenceDepositID,
        balanceAlertID: alert.balanceAlertID,
      };
      const missing = {
        customerIdentifier: 'no-such-customer',
        accountIdentifier: 'no-such-account',
        token: 'f'.repeat(40),
        referenceDepositID: 'RAD-000000-0000',
        balanceAlertID: crypto.randomUUID(),
      };
      // A GET with a path parameter not known here fails this check, not the requests below.
      for (const op of gets) {
        for (const [, name] of op.path.matchAll(/\{(\w+)\}/g)) expect(found, op.operationId).toHaveProperty(name!);
      }
      const fill = (template: string, values: Record<string, string>) => template.replace(/\{(\w+)\}/g, (_, name: string) => values[name]!);
      const auth = { authorization: basic(server.one) };
      const cases = gets.flatMap((op) => {
        const path = fill(op.path, found);
        const parameters = JSON.stringify(spec.paths[op.path]);
        return [
          { label: `${op.operationId} 200`, path, headers: auth, status: 200 },
          // The lists stream a bare array, or answer one page.
          ...(parameters.includes('Paginate')
            ? [{ label: `${op.operationId} page`, path: `${path}?paginate=true`, headers: auth, status: 200 }]
            : []),
          ...(op.path.includes('{') ? [{ label: `${op.operationId} 404`, path: fill(op.path, missing), headers: auth, status: 404 }] : []),
          { label: `${op.operationId} 400`, path: `${path}${path.includes('?') ? '&' : '?'}colour=blue`, headers: auth, status: 400 },
          // Our own checks before the validator see a HEAD as its GET too (decimal query numbers).
          ...(parameters.includes('MaxResults')
            ? [{ label: `${op.operationId} 400 (0x10)`, path: `${path}?paginate=true&maxResults=0x10`, headers: auth, status: 400 }]
            : []),
          { label: `${op.operationId} 401`, path, headers: {}, status: 401 },
        ];
      });
      for (const { label, path, headers, status } of cases) {
        const get = await fetch(`${server.baseUrl}${path}`, { headers });
        await get.arrayBuffer();
        const head = await fetch(`${server.baseUrl}${path}`, { method: 'HEAD', headers });
        expect(get.status, label).toBe(status);
        expect(head.status, label).toBe(status);
        expect(comparable(head), label).toEqual(comparable(get));
        expect(head.headers.get('x-request-id'), label).toMatch(UUID);
        expect((await head.arrayBuffer()).byteLength, label).toBe(0);
      }
    });
  });

  describe('throttling', () => {
    test('failed authentications past the limit answer 429 with Retry-After; valid credentials still pass', async () => {
      const throttled = await startTestServer(server.kind, { authFailureLimit: 2 });
      try {
        const wrong = { name: 'platform-one', key: 'w'.repeat(43) };
        for (let i = 0; i < 2; i++) expect((await throttled.client(wrong).GET('/customers')).response.status).toBe(401);
        const results = await everyOperation(throttled, wrong);
        for (const { operationId, error, response } of results) {
          expect(response.status, operationId).toBe(429);
          expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
          expect(error).toMatchObject({ i18nKey: '429.001', httpPhrase: 'Too Many Requests' });
        }
        expect((await throttled.client(throttled.one).GET('/customers')).response.status).toBe(200);
      } finally {
        await throttled.close();
      }
    });
  });

  describe('database outage', () => {
    test('every operation answers 503.001 while the database is unreachable', async () => {
      const down = await startTestServer(server.kind, { databaseDown: true });
      try {
        const results = await everyOperation(down, down.one);
        for (const { operationId, error, response } of results) {
          expect(response.status, operationId).toBe(503);
          expect(error).toMatchObject({ i18nKey: '503.001', httpPhrase: 'Service Unavailable' });
        }
        expect((await fetch(new URL('/readyz', down.baseUrl))).status).toBe(503);
        expect((await fetch(new URL('/healthz', down.baseUrl))).status).toBe(200);
      } finally {
        await down.close();
      }
    });
  });

  // Last but the coverage test: it creates the limited credential's customers if still missing.
  describe('funding', () => fundingContract(() => server));

  // Last, and order-dependent on purpose: vitest runs a file's tests in the order they are
  // written (no .concurrent, no shuffle here), and this one checks what every test above observed.
  // Moved up, or run alone (-t), it fails: that is a filter, not a finding.
  test('every documented (operationId, status) pair except 500 was exercised', () => {
    const documented = operations.flatMap((op) =>
      op.statuses.filter((status) => status !== '500' && status !== 'default').map((status) => `${op.operationId} ${status}`),
    );
    const missing = documented.filter((pair) => !observed.has(pair));
    expect(missing).toEqual([]);
    expect(documented.length).toBeGreaterThan(40);
  });
});
