/**
 * The funding operations' contract (cards, deposits, transfers, low-balance alerts), through the
 * published client, on the server of the store kind under test. Registered from
 * contract.test.ts, inside its per-store describe, so that its coverage test sees every
 * (operationId, status) pair observed here.
 */
import { describe, expect, test } from 'vitest';
import { SANDBOX_CARDS, type SandboxCard, sandboxCardRequest } from '@raas-customers/test-kit';
import { basic, type Credentials, type TestServer } from './harness.js';

const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const TOKEN = /^[0-9a-f]{40}$/;
const REFERENCE = /^RAD-\d{6}-\d{8}$/;

let sequence = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(sequence++).toString(36)}`;

/** The funding tests, on `current()`'s server (set by the caller's beforeAll). */
export function fundingContract(current: () => TestServer): void {
  const server = () => current();

  async function customer(customerIdentifier = unique('fund'), credentials: Credentials = server().one) {
    const { response } = await server()
      .client(credentials)
      .POST('/customers', { body: { customerIdentifier, displayName: 'Funding customer' } });
    expect(response.status).toBe(201);
    return customerIdentifier;
  }

  async function account(customerIdentifier: string, extra: { currencyCode?: 'EUR' | 'USD' } = {}, credentials = server().one) {
    const accountIdentifier = unique('pool');
    const { data, response } = await server()
      .client(credentials)
      .POST('/customers/{customerIdentifier}/accounts', {
        params: { path: { customerIdentifier } },
        body: { accountIdentifier, displayName: `Pool ${accountIdentifier}`, contactEmail: 'finance@acme.example', ...extra },
      });
    expect(response.status).toBe(201);
    return data!;
  }

  const cardBody = (customerIdentifier: string, accountIdentifier: string, card: SandboxCard = SANDBOX_CARDS.visa, extra = {}) => ({
    ...sandboxCardRequest(customerIdentifier, accountIdentifier, { card }),
    ...extra,
  });

  async function card(customerIdentifier: string, accountIdentifier: string, which = SANDBOX_CARDS.visa, credentials = server().one) {
    const { data, response } = await server()
      .client(credentials)
      .POST('/creditCards', { body: cardBody(customerIdentifier, accountIdentifier, which) });
    expect(response.status).toBe(201);
    return data!;
  }

  /** A USD account with a card and, when `balance` is given, that much deposited. */
  async function funded(balance?: number, customerIdentifier?: string) {
    const owner = customerIdentifier ?? (await customer());
    const pool = await account(owner);
    const registered = await card(owner, pool.accountIdentifier);
    if (balance !== undefined) await deposit(owner, pool.accountIdentifier, registered.token, balance);
    return { customerIdentifier: owner, accountIdentifier: pool.accountIdentifier, token: registered.token, account: pool };
  }

  async function deposit(
    customerIdentifier: string,
    accountIdentifier: string,
    creditCardToken: string,
    amount: number,
    externalRefID?: string,
  ) {
    const { data, response } = await server()
      .client()
      .POST('/creditCardDeposits', {
        body: { customerIdentifier, accountIdentifier, creditCardToken, amount, ...(externalRefID ? { externalRefID } : {}) },
      });
    expect(response.status).toBe(200);
    return data!;
  }

  async function balanceOf(accountIdentifier: string): Promise<number> {
    const { data } = await server()
      .client()
      .GET('/accounts/{accountIdentifier}', { params: { path: { accountIdentifier } } });
    return data!.currentBalance;
  }

  const transfer = (
    transferFrom: string,
    transferTo: string,
    amount: number,
    extra: { externalRefID?: string; transferNotes?: string } = {},
  ) =>
    server()
      .client()
      .POST('/transferFunds', { body: { transferFrom, transferTo, amount, ...extra } });

  const raw = (method: string, path: string, body: string, credentials = server().one) =>
    server().raw(method, path, { headers: { authorization: basic(credentials), 'content-type': 'application/json' }, body });

  const json = (value: unknown) => JSON.stringify(value);

  describe('credit cards', () => {
    test('register answers 201 with the card, never its number, code or address', async () => {
      const owner = await customer();
      const pool = await account(owner);
      const { data, response } = await server()
        .client()
        .POST('/creditCards', {
          body: cardBody(owner, pool.accountIdentifier, SANDBOX_CARDS.visa, {
            contactInformation: [{ fullName: 'Pat Jones', emailAddress: 'pat@acme.example' }],
          }),
        });
      expect(response.status).toBe(201);
      expect(data).toEqual({
        customerIdentifier: owner,
        accountIdentifier: pool.accountIdentifier,
        accountNumber: pool.accountNumber,
        token: expect.stringMatching(TOKEN),
        label: 'Finance team card',
        lastFourDigits: '1111',
        expirationDate: '2099-12',
        status: 'ACTIVE',
        createdDate: expect.stringMatching(ISO_MILLIS),
        activationDate: data!.createdDate,
        contactInformation: [{ fullName: 'Pat Jones', emailAddress: 'pat@acme.example' }],
      });
      expect(json(data)).not.toContain('4111111111111111');
      expect(json(data)).not.toContain('Seattle');
      const read = await server()
        .client()
        .GET('/creditCards/{token}', { params: { path: { token: data!.token } } });
      expect(read.response.status).toBe(200);
      expect(read.data).toEqual(data);
    });

    test('every sandbox card registers, the same number again as a new card; any other is 402.051', async () => {
      const owner = await customer();
      const pool = await account(owner);
      const tokens = new Set<string>();
      for (const which of [...Object.values(SANDBOX_CARDS), SANDBOX_CARDS.visa])
        tokens.add((await card(owner, pool.accountIdentifier, which)).token);
      expect(tokens.size).toBe(5);
      const refused = [
        { number: '4242424242424242', verificationNumber: '123' },
        { number: SANDBOX_CARDS.amex.number, verificationNumber: '123' },
        { number: SANDBOX_CARDS.visa.number, verificationNumber: '1234' },
      ];
      for (const which of refused) {
        const { error, response } = await server()
          .client()
          .POST('/creditCards', { body: cardBody(owner, pool.accountIdentifier, which) });
        expect(response.status).toBe(402);
        expect(error).toMatchObject({ i18nKey: '402.051', httpPhrase: 'Payment Required' });
      }
      const expired = { ...cardBody(owner, pool.accountIdentifier), creditCard: { ...SANDBOX_CARDS.visa, expiration: '2001-01' } };
      expect((await server().client().POST('/creditCards', { body: expired })).error?.i18nKey).toBe('402.051');
    });

    test('a malformed card is a 400 naming each field with its catalogue key', async () => {
      const owner = await customer();
      const pool = await account(owner);
      const body = {
        ...cardBody(owner, pool.accountIdentifier),
        label: '',
        creditCard: { number: SANDBOX_CARDS.visa.number, expiration: '12/2030', verificationNumber: '12' },
      };
      const { error, response } = await server().client().POST('/creditCards', { body });
      expect(response.status).toBe(400);
      const keys = Object.fromEntries((error?.errors ?? []).map((e) => [e.path, e.i18nKey]));
      expect(keys).toEqual({
        label: '422.119',
        'creditCard.expiration': '422.121',
        'creditCard.verificationNumber': '422.118',
      });
      // Card data is named, never echoed: not the number, its code nor the billing address.
      const spaced = {
        ...cardBody(owner, pool.accountIdentifier),
        creditCard: { number: '4111 1111 1111 1111', expiration: '2099-12', verificationNumber: '12' },
        billingAddress: { ...cardBody(owner, pool.accountIdentifier).billingAddress, addressLine1: `Secret street ${'x'.repeat(300)}` },
      };
      const echoed = await raw('POST', '/creditCards', json(spaced));
      expect(echoed.status).toBe(400);
      const text = await echoed.text();
      const paths = ((JSON.parse(text) as { errors?: { path: string; invalidValue?: unknown }[] }).errors ?? []).map((e) => e.path);
      expect(paths).toEqual(expect.arrayContaining(['creditCard.number', 'creditCard.verificationNumber', 'billingAddress.addressLine1']));
      expect(text).not.toContain('4111 1111 1111 1111');
      expect(text).not.toContain('4111');
      expect(text).not.toContain('"12"');
      expect(text).not.toContain('Secret street');
      expect(text).not.toContain('invalidValue');
      // A list over its bound is refused on its size alone, before the other rules are checked.
      const crowded = {
        ...cardBody(owner, pool.accountIdentifier),
        contactInformation: Array.from({ length: 6 }, (_, i) => ({ fullName: `Person ${i}`, emailAddress: `p${i}@acme.example` })),
      };
      const tooMany = await server().client().POST('/creditCards', { body: crowded });
      expect(tooMany.error?.errors).toEqual([
        expect.objectContaining({ path: 'contactInformation', i18nKey: '422.136', message: 'size must be between 0 and 5' }),
      ]);
      const badToken = await server()
        .client()
        .GET('/creditCards/{token}', { params: { path: { token: 'not-a-token' } } });
      expect(badToken.response.status).toBe(400);
    });

    test('an account holds at most 10 cards (422.050); an unregistered one frees its place', async () => {
      const owner = await customer();
      const pool = await account(owner);
      const cards = await Promise.all(
        Array.from({ length: 12 }, () =>
          server()
            .client()
            .POST('/creditCards', { body: cardBody(owner, pool.accountIdentifier) }),
        ),
      );
      const statuses = cards.map((c) => c.response.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(10);
      const refused = cards.find((c) => c.response.status === 422);
      expect(refused?.error).toMatchObject({ i18nKey: '422.050' });
      const first = cards.find((c) => c.response.status === 201)!.data!;
      const unregistered = await server()
        .client()
        .POST('/creditCardUnregisters', {
          body: { customerIdentifier: owner, accountIdentifier: pool.accountIdentifier, creditCardToken: first.token },
        });
      expect(unregistered.response.status).toBe(200);
      expect(unregistered.data).toEqual({
        token: first.token,
        message: expect.any(String),
        createdDate: expect.stringMatching(ISO_MILLIS),
      });
      expect((await card(owner, pool.accountIdentifier)).status).toBe('ACTIVE');
    });

    test('unregister: the card reads DELETED, lists hide it unless asked, a second time is 422.002', async () => {
      const { customerIdentifier, accountIdentifier, token } = await funded();
      const criteria = { customerIdentifier, accountIdentifier, creditCardToken: token };
      expect((await server().client().POST('/creditCardUnregisters', { body: criteria })).response.status).toBe(200);
      const again = await server().client().POST('/creditCardUnregisters', { body: criteria });
      expect(again.response.status).toBe(422);
      expect(again.error).toMatchObject({ i18nKey: '422.002' });
      const read = await server()
        .client()
        .GET('/creditCards/{token}', { params: { path: { token } } });
      expect(read.data?.status).toBe('DELETED');
      const tokens = async (query: Record<string, unknown>) => {
        const { data } = await server()
          .client()
          .GET('/creditCards', { params: { query: { accountIdentifier, ...query } } });
        return (data as { token: string }[]).map((c) => c.token);
      };
      expect(await tokens({})).toEqual([]);
      expect(await tokens({ showInactive: true })).toEqual([token]);
      expect(await tokens({ status: 'DELETED' })).toEqual([token]);
      // An unregistered card funds nothing.
      const funding = await server()
        .client()
        .POST('/creditCardDeposits', { body: { customerIdentifier, accountIdentifier, creditCardToken: token, amount: 5 } });
      expect(funding.error?.i18nKey).toBe('422.036');
      const unknown = await server()
        .client()
        .POST('/creditCardUnregisters', { body: { ...criteria, creditCardToken: 'f'.repeat(40) } });
      expect(unknown.error?.i18nKey).toBe('422.002');
      const elsewhere = await server()
        .client()
        .POST('/creditCardUnregisters', { body: { ...criteria, accountIdentifier: 'no-such-account' } });
      expect(elsewhere.response.status).toBe(404);
      expect(elsewhere.error?.i18nKey).toBe('404.016');
    });

    test('lists: array or pages with cursors, filtered by customer and account', async () => {
      const owner = await customer();
      const first = await funded(undefined, owner);
      const second = await funded(undefined, owner);
      const other = await funded();
      const { data } = await server()
        .client()
        .GET('/creditCards', { params: { query: { customerIdentifier: owner } } });
      expect((data as { token: string }[]).map((c) => c.token)).toEqual([first.token, second.token]);
      const page = await server()
        .client()
        .GET('/creditCards', { params: { query: { customerIdentifier: owner, paginate: true, maxResults: 1 } } });
      expect(page.response.status).toBe(200);
      const firstPage = page.data as { items: { token: string }[]; nextCursor: string | null; nextPageAvailable: boolean };
      expect(firstPage.items.map((c) => c.token)).toEqual([first.token]);
      expect(firstPage.nextPageAvailable).toBe(true);
      const next = await server()
        .client()
        .GET('/creditCards', {
          params: { query: { customerIdentifier: owner, paginate: true, maxResults: 1, nextCursor: firstPage.nextCursor! } },
        });
      expect((next.data as { items: { token: string }[] }).items.map((c) => c.token)).toEqual([second.token]);
      const all = await server().client().GET('/creditCards');
      expect(json(all.data)).toContain(other.token);
      const bad = await server()
        .client()
        .GET('/creditCards', { params: { query: { paginate: true, nextCursor: 'forged' } } });
      expect(bad.response.status).toBe(400);
    });

    test('register checks the customer and account: 404.002, 404.016, 404.020; not ACTIVE is 422.156', async () => {
      const owner = await customer();
      const pool = await account(owner);
      const elsewhere = await account(await customer());
      const post = (customerIdentifier: string, accountIdentifier: string) =>
        server()
          .client()
          .POST('/creditCards', { body: cardBody(customerIdentifier, accountIdentifier) });
      expect((await post('no-such-customer', pool.accountIdentifier)).error?.i18nKey).toBe('404.002');
      expect((await post(owner, 'no-such-account')).error?.i18nKey).toBe('404.016');
      expect((await post(owner, elsewhere.accountIdentifier)).error?.i18nKey).toBe('404.020');
      await server().sql('UPDATE accounts SET status = ? WHERE account_identifier = ?', ['FROZEN', pool.accountIdentifier]);
      const frozen = await post(owner, pool.accountIdentifier);
      expect(frozen.response.status).toBe(422);
      expect(frozen.error?.i18nKey).toBe('422.156');
    });

    test('read-only credentials get 403.017, limited ones 403.007, another platform sees nothing', async () => {
      const { customerIdentifier, accountIdentifier, token } = await funded(10);
      const readOnly = server().client(server().oneReadOnly);
      expect((await readOnly.POST('/creditCards', { body: cardBody(customerIdentifier, accountIdentifier) })).error?.i18nKey).toBe(
        '403.017',
      );
      expect(
        (await readOnly.POST('/creditCardUnregisters', { body: { customerIdentifier, accountIdentifier, creditCardToken: token } })).error
          ?.i18nKey,
      ).toBe('403.017');
      const limited = server().client(server().oneRestricted);
      expect((await limited.POST('/creditCards', { body: cardBody(customerIdentifier, accountIdentifier) })).error?.i18nKey).toBe(
        '403.007',
      );
      expect(
        (await limited.POST('/creditCardUnregisters', { body: { customerIdentifier, accountIdentifier, creditCardToken: token } })).error
          ?.i18nKey,
      ).toBe('403.007');
      expect((await limited.GET('/creditCards/{token}', { params: { path: { token } } })).error?.i18nKey).toBe('403.007');
      const listed = await limited.GET('/creditCards', { params: { query: { customerIdentifier } } });
      expect(listed.response.status).toBe(403);
      expect(json((await limited.GET('/creditCards')).data)).not.toContain(token);
      const two = server().client(server().two);
      const foreign = await two.GET('/creditCards/{token}', { params: { path: { token } } });
      expect(foreign.response.status).toBe(404);
      expect(foreign.error?.i18nKey).toBe('404.022');
      expect(json((await two.GET('/creditCards')).data)).not.toContain(token);
      expect((await server().client(null).GET('/creditCards')).response.status).toBe(401);
    });
  });

  describe('deposits', () => {
    test('a deposit credits the amount, charges it plus 3.5 % half up, and is read back', async () => {
      const { customerIdentifier, accountIdentifier, token, account: pool } = await funded();
      const made = await deposit(customerIdentifier, accountIdentifier, token, 1.25, unique('ref'));
      expect(made).toEqual({
        referenceDepositID: expect.stringMatching(REFERENCE),
        amount: 1.25,
        amountCharged: 1.29,
        feePercent: 3.5,
        createdDate: expect.stringMatching(ISO_MILLIS),
        status: 'SUCCESS',
        externalRefID: expect.any(String),
        accountNumber: pool.accountNumber,
      });
      expect(await balanceOf(accountIdentifier)).toBe(1.25);
      for (const [amount, charged] of [
        [100, 103.5],
        [3, 3.11],
        [237, 245.3],
      ] as const) {
        expect((await deposit(customerIdentifier, accountIdentifier, token, amount)).amountCharged).toBe(charged);
      }
      expect(await balanceOf(accountIdentifier)).toBe(341.25);
      const read = await server()
        .client()
        .GET('/creditCardDeposits/{referenceDepositID}', { params: { path: { referenceDepositID: made.referenceDepositID } } });
      expect(read.response.status).toBe(200);
      expect(read.data).toEqual(made);
    });

    test('amounts are exact: decimals counted as written, 0.10 + 0.20 is 0.30', async () => {
      const { customerIdentifier, accountIdentifier, token } = await funded();
      const path = '/creditCardDeposits';
      const body = (amount: string) =>
        `{"customerIdentifier":"${customerIdentifier}","accountIdentifier":"${accountIdentifier}","creditCardToken":"${token}","amount":${amount}}`;
      expect((await raw('POST', path, body('0.10'))).status).toBe(200);
      expect((await raw('POST', path, body('0.2'))).status).toBe(200);
      expect((await raw('POST', path, body('1e-2'))).status).toBe(200);
      expect(await balanceOf(accountIdentifier)).toBe(0.31);
      const refusals = [
        ['12.505', '422.014'],
        ['0.100', '422.014'],
        ['1234567', '422.140'],
        ['-1', '422.141'],
        // A huge negative exponent is judged from its text, never written out digit by digit.
        ['0e-999999999', '422.014'],
      ] as const;
      for (const [amount, key] of refusals) {
        const response = await raw('POST', path, body(amount));
        expect(response.status, amount).toBe(400);
        expect(((await response.json()) as { errors?: unknown[] }).errors?.[0], amount).toMatchObject({ path: 'amount', i18nKey: key });
      }
      // A positive one that overflows to Infinity is not a number the schema takes: a 400 too.
      for (const amount of ['1e99999999', '1e999999999999999999999']) {
        const response = await raw('POST', path, body(amount));
        expect(response.status, amount).toBe(400);
        expect(((await response.json()) as { errors?: unknown[] }).errors?.[0], amount).toMatchObject({ path: 'amount' });
      }
      // 0e999999999 is zero, the deposit's range refuses it (no 500, no huge string built).
      for (const amount of ['0e999999999', '0e500000000']) {
        const response = await raw('POST', path, body(amount));
        expect(response.status, amount).toBe(422);
        expect(((await response.json()) as { i18nKey?: string }).i18nKey, amount).toBe('422.052');
      }
      expect(await balanceOf(accountIdentifier)).toBe(0.31);
    });

    test('sandbox outcomes: 1003.00 DECLINED; 1001.00 and 1002.00 PENDING, decided after the delay', async () => {
      const { customerIdentifier, accountIdentifier, token } = await funded();
      const declined = await deposit(customerIdentifier, accountIdentifier, token, 1003);
      expect(declined).toMatchObject({ status: 'DECLINED', amountCharged: 0 });
      const succeeding = await deposit(customerIdentifier, accountIdentifier, token, 1001);
      const failing = await deposit(customerIdentifier, accountIdentifier, token, 1002);
      expect(succeeding).toMatchObject({ status: 'PENDING', amountCharged: 0 });
      expect(failing).toMatchObject({ status: 'PENDING', amountCharged: 0 });
      expect(await balanceOf(accountIdentifier)).toBe(0);
      const read = (referenceDepositID: string) =>
        server()
          .client()
          .GET('/creditCardDeposits/{referenceDepositID}', { params: { path: { referenceDepositID } } });
      expect((await read(succeeding.referenceDepositID)).data?.status).toBe('PENDING');
      server().clock.advance(5000);
      try {
        expect(await balanceOf(accountIdentifier)).toBe(1001);
        expect((await read(succeeding.referenceDepositID)).data).toMatchObject({ status: 'SUCCESS', amountCharged: 1036.04 });
        expect((await read(failing.referenceDepositID)).data).toMatchObject({ status: 'DECLINED', amountCharged: 0 });
        expect(await balanceOf(accountIdentifier)).toBe(1001);
      } finally {
        server().clock.advance(-5000);
      }
    });

    test('the refusals: 422.036 another account’s card, 422.052 range, 422.003 currency, 422.004 status, 429.003 too early', async () => {
      const { customerIdentifier, accountIdentifier, token } = await funded();
      const other = await funded(undefined, customerIdentifier);
      const post = (body: Record<string, unknown>) =>
        server()
          .client()
          .POST('/creditCardDeposits', {
            body: { customerIdentifier, accountIdentifier, creditCardToken: token, amount: 10, ...body } as never,
          });
      expect((await post({ creditCardToken: other.token })).error?.i18nKey).toBe('422.036');
      expect((await post({ creditCardToken: 'a'.repeat(40) })).error?.i18nKey).toBe('422.036');
      expect((await post({ amount: 0 })).error?.i18nKey).toBe('422.052');
      expect((await post({ amount: 10000.01 })).error?.i18nKey).toBe('422.052');
      expect((await post({ amount: 10000 })).response.status).toBe(200);
      const euros = await account(customerIdentifier, { currencyCode: 'EUR' });
      const euroCard = await card(customerIdentifier, euros.accountIdentifier);
      expect((await post({ accountIdentifier: euros.accountIdentifier, creditCardToken: euroCard.token })).error?.i18nKey).toBe('422.003');
      server().clock.advance(-60_000);
      try {
        const early = await post({});
        expect(early.response.status).toBe(429);
        expect(early.error?.i18nKey).toBe('429.003');
      } finally {
        server().clock.advance(60_000);
      }
      await server().sql('UPDATE accounts SET status = ? WHERE account_identifier = ?', ['INACTIVE', accountIdentifier]);
      const inactive = await post({});
      expect(inactive.response.status).toBe(422);
      expect(inactive.error?.i18nKey).toBe('422.004');
      expect(await balanceOf(accountIdentifier)).toBe(10000);
    });

    test('an externalRefID is honoured once per account, also when duplicates race (409.001)', async () => {
      const { customerIdentifier, accountIdentifier, token } = await funded();
      const ref = unique('once');
      await deposit(customerIdentifier, accountIdentifier, token, 5, ref);
      const again = await server()
        .client()
        .POST('/creditCardDeposits', {
          body: { customerIdentifier, accountIdentifier, creditCardToken: token, amount: 5, externalRefID: ref },
        });
      expect(again.response.status).toBe(409);
      expect(again.error).toMatchObject({ i18nKey: '409.001', message: 'externalRefID is not unique. Duplicate funding request.' });
      const raced = unique('race');
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          server()
            .client()
            .POST('/creditCardDeposits', {
              body: { customerIdentifier, accountIdentifier, creditCardToken: token, amount: 1, externalRefID: raced },
            }),
        ),
      );
      expect(results.filter((r) => r.response.status === 200)).toHaveLength(1);
      expect(results.filter((r) => r.response.status === 409)).toHaveLength(19);
      expect(await balanceOf(accountIdentifier)).toBe(6);
      // Another account may use the same reference.
      const other = await funded(undefined, customerIdentifier);
      await deposit(customerIdentifier, other.accountIdentifier, other.token, 1, ref);
    });

    test('deposits check credentials and ownership: 401, 403.017, 403.007, 404s, another platform', async () => {
      const { customerIdentifier, accountIdentifier, token } = await funded(5);
      const made = await deposit(customerIdentifier, accountIdentifier, token, 1);
      const body = { customerIdentifier, accountIdentifier, creditCardToken: token, amount: 1 };
      expect((await server().client(server().oneReadOnly).POST('/creditCardDeposits', { body })).error?.i18nKey).toBe('403.017');
      expect((await server().client(server().oneRestricted).POST('/creditCardDeposits', { body })).error?.i18nKey).toBe('403.007');
      expect((await server().client(null).POST('/creditCardDeposits', { body })).response.status).toBe(401);
      const post = (extra: Record<string, string>) =>
        server()
          .client()
          .POST('/creditCardDeposits', { body: { ...body, ...extra } });
      expect((await post({ customerIdentifier: 'no-such-customer' })).error?.i18nKey).toBe('404.002');
      expect((await post({ accountIdentifier: 'no-such-account' })).error?.i18nKey).toBe('404.016');
      const elsewhere = await account(await customer());
      expect((await post({ accountIdentifier: elsewhere.accountIdentifier })).error?.i18nKey).toBe('404.020');
      const path = { params: { path: { referenceDepositID: made.referenceDepositID } } };
      expect((await server().client(server().oneRestricted).GET('/creditCardDeposits/{referenceDepositID}', path)).error?.i18nKey).toBe(
        '403.007',
      );
      const foreign = await server().client(server().two).GET('/creditCardDeposits/{referenceDepositID}', path);
      expect(foreign.response.status).toBe(404);
      expect(foreign.error?.i18nKey).toBe('404.011');
      const malformed = await server()
        .client()
        .GET('/creditCardDeposits/{referenceDepositID}', { params: { path: { referenceDepositID: 'RAD-1' } } });
      expect(malformed.response.status).toBe(400);
      const long = await post({ externalRefID: 'x'.repeat(101) });
      expect(long.error?.errors?.[0]).toMatchObject({ path: 'externalRefID', i18nKey: '422.110' });
      const empty = await post({ externalRefID: '' });
      expect(empty.response.status).toBe(400);
      expect(empty.error?.errors?.[0]).toMatchObject({ path: 'externalRefID', i18nKey: '422.001', constraint: 'Size' });
      expect(empty.error?.errors?.[0]?.message).not.toContain('exceed');
    });
  });

  describe('transfers', () => {
    test('a transfer moves the money and answers both balances before and after', async () => {
      const from = await funded(100);
      const to = await funded(1.25);
      const ref = unique('t');
      const { data, response } = await transfer(from.accountIdentifier, to.accountIdentifier, 25, {
        externalRefID: ref,
        transferNotes: 'Q4 budget',
      });
      expect(response.status).toBe(200);
      expect(data).toEqual({
        transferDate: expect.stringMatching(ISO_MILLIS),
        transferredAmount: 25,
        transferNotes: 'Q4 budget',
        externalRefID: ref,
        transferFrom: {
          accountIdentifier: from.accountIdentifier,
          accountNumber: from.account.accountNumber,
          displayName: from.account.displayName,
          currencyCode: 'USD',
          startingBalance: 100,
          endingBalance: 75,
          status: 'ACTIVE',
          contactEmail: 'finance@acme.example',
        },
        transferTo: expect.objectContaining({ accountIdentifier: to.accountIdentifier, startingBalance: 1.25, endingBalance: 26.25 }),
      });
      expect(await balanceOf(from.accountIdentifier)).toBe(75);
      expect(await balanceOf(to.accountIdentifier)).toBe(26.25);
      const again = await transfer(from.accountIdentifier, to.accountIdentifier, 25, { externalRefID: ref });
      expect(again.response.status).toBe(409);
      expect(again.error?.i18nKey).toBe('409.001');
      expect(await balanceOf(from.accountIdentifier)).toBe(75);
    });

    test('the refusals: 402.001, 422.003, 422.004, 422.052, a self-transfer 400, notes over 150', async () => {
      const from = await funded(10);
      const to = await funded();
      const short = await transfer(from.accountIdentifier, to.accountIdentifier, 10.01);
      expect(short.response.status).toBe(402);
      expect(short.error).toMatchObject({ i18nKey: '402.001', httpPhrase: 'Payment Required' });
      expect((await transfer(from.accountIdentifier, to.accountIdentifier, 0)).error?.i18nKey).toBe('422.052');
      const self = await transfer(from.accountIdentifier, from.accountIdentifier, 1);
      expect(self.response.status).toBe(400);
      const notes = await transfer(from.accountIdentifier, to.accountIdentifier, 1, { transferNotes: 'n'.repeat(151) });
      expect(notes.error?.errors?.[0]).toMatchObject({ path: 'transferNotes', i18nKey: '422.006' });
      const euros = await account(from.customerIdentifier, { currencyCode: 'EUR' });
      expect((await transfer(from.accountIdentifier, euros.accountIdentifier, 1)).error?.i18nKey).toBe('422.003');
      expect((await transfer(from.accountIdentifier, 'no-such-account', 1)).error?.i18nKey).toBe('404.016');
      await server().sql('UPDATE accounts SET status = ? WHERE account_identifier = ?', ['FROZEN', to.accountIdentifier]);
      const frozen = await transfer(from.accountIdentifier, to.accountIdentifier, 1);
      expect(frozen.response.status).toBe(422);
      expect(frozen.error?.i18nKey).toBe('422.004');
      expect(await balanceOf(from.accountIdentifier)).toBe(10);
      expect((await server().raw('GET', '/transferFunds', { headers: { authorization: basic(server().one) } })).status).toBe(405);
    });

    test('50 parallel 1.00 transfers out of 20.00: exactly 20 succeed, 30 get 402.001, totals conserved', async () => {
      const from = await funded(20);
      const to = await funded(3);
      const results = await Promise.all(Array.from({ length: 50 }, () => transfer(from.accountIdentifier, to.accountIdentifier, 1)));
      expect(results.filter((r) => r.response.status === 200)).toHaveLength(20);
      const refused = results.filter((r) => r.response.status === 402);
      expect(refused).toHaveLength(30);
      for (const r of refused) expect(r.error?.i18nKey).toBe('402.001');
      expect(await balanceOf(from.accountIdentifier)).toBe(0);
      expect(await balanceOf(to.accountIdentifier)).toBe(23);
      // Each success saw its own balance: the ending balances are 19, 18, … 0, each once.
      const endings = results.filter((r) => r.data).map((r) => r.data!.transferFrom.endingBalance);
      expect(endings.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });

    test('transfers both ways at once never deadlock and lose nothing; racing duplicates: one 200', async () => {
      const a = await funded(50);
      const b = await funded(50);
      const both = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          i % 2 ? transfer(a.accountIdentifier, b.accountIdentifier, 1) : transfer(b.accountIdentifier, a.accountIdentifier, 1),
        ),
      );
      expect(both.every((r) => r.response.status === 200)).toBe(true);
      expect((await balanceOf(a.accountIdentifier)) + (await balanceOf(b.accountIdentifier))).toBe(100);
      const ref = unique('dup');
      const raced = await Promise.all(
        Array.from({ length: 20 }, () => transfer(a.accountIdentifier, b.accountIdentifier, 1, { externalRefID: ref })),
      );
      expect(raced.filter((r) => r.response.status === 200)).toHaveLength(1);
      expect(raced.filter((r) => r.response.status === 409)).toHaveLength(19);
      expect((await balanceOf(a.accountIdentifier)) + (await balanceOf(b.accountIdentifier))).toBe(100);
    });

    test('credentials: 403.017 read-only, 404.016 when either side is outside the list (as when missing), 401, another platform 404', async () => {
      // restricted-one is in the limited credential's list; another test may have created it already.
      await server()
        .client()
        .POST('/customers', { body: { customerIdentifier: 'restricted-one', displayName: 'Restricted one' } });
      const inside = await funded(10, 'restricted-one');
      const outside = await funded(10);
      const limited = server().client(server().oneRestricted);
      const body = (transferFrom: string, transferTo: string) => ({ body: { transferFrom, transferTo, amount: 1 } });
      // Outside the list or missing: the same answer, so the limited credential learns nothing.
      const answers = await Promise.all(
        [
          body(inside.accountIdentifier, outside.accountIdentifier),
          body(outside.accountIdentifier, inside.accountIdentifier),
          body(inside.accountIdentifier, 'no-such-account-x'),
          body('no-such-account-x', inside.accountIdentifier),
        ].map(async (request) => {
          const { error, response } = await limited.POST('/transferFunds', request);
          return [response.status, error?.i18nKey, error?.message];
        }),
      );
      expect(answers).toEqual(Array(4).fill([404, '404.016', 'The account you specified does not exist.']));
      const readOnly = server().client(server().oneReadOnly);
      expect((await readOnly.POST('/transferFunds', body(inside.accountIdentifier, outside.accountIdentifier))).error?.i18nKey).toBe(
        '403.017',
      );
      expect(
        (await server().client(null).POST('/transferFunds', body(inside.accountIdentifier, outside.accountIdentifier))).response.status,
      ).toBe(401);
      const two = server().client(server().two);
      expect((await two.POST('/transferFunds', body(inside.accountIdentifier, outside.accountIdentifier))).error?.i18nKey).toBe('404.016');
      expect(await balanceOf(inside.accountIdentifier)).toBe(10);
    });
  });

  describe('low-balance alerts', () => {
    const alertPath = (customerIdentifier: string, accountIdentifier: string) => ({
      params: { path: { customerIdentifier, accountIdentifier } },
    });
    const onePath = (customerIdentifier: string, accountIdentifier: string, balanceAlertID: string) => ({
      params: { path: { customerIdentifier, accountIdentifier, balanceAlertID } },
    });

    test('set, list, get, update (a list replaces, [] clears, omitted keeps) and delete', async () => {
      const owner = await customer();
      const pool = await account(owner);
      const at = alertPath(owner, pool.accountIdentifier);
      const set = await server()
        .client()
        .POST('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance', {
          ...at,
          body: {
            balanceAlertDisplayName: 'Running low',
            balanceAlertThreshold: 500,
            balanceAlertNotification: [{ emailAddress: 'a@acme.example' }],
          },
        });
      expect(set.response.status).toBe(200);
      const alert = set.data!;
      expect(alert).toEqual({
        createdAt: expect.stringMatching(ISO_MILLIS),
        balanceAlertID: expect.stringMatching(/^[0-9a-f-]{36}$/),
        customerIdentifier: owner,
        accountIdentifier: pool.accountIdentifier,
        balanceAlertDisplayName: 'Running low',
        balanceAlertThreshold: 500,
        balanceAlertNotification: [{ emailAddress: 'a@acme.example' }],
      });
      const second = await server()
        .client()
        .POST('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance', {
          ...at,
          body: { balanceAlertDisplayName: 'Empty', balanceAlertThreshold: 0.5 },
        });
      expect(second.data?.balanceAlertNotification).toEqual([]);
      const listed = await server()
        .client()
        .GET('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance', {
          params: { ...at.params, query: { elementsPerBlock: 1, page: 1 } },
        });
      expect(listed.response.status).toBe(200);
      expect(listed.data).toEqual({ page: { size: 1, totalElements: 2, totalPages: 2, number: 1 }, lowBalanceAlerts: [second.data] });
      const one = onePath(owner, pool.accountIdentifier, alert.balanceAlertID);
      const read = await server()
        .client()
        .GET('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance/{balanceAlertID}', one);
      expect(read.data).toEqual(alert);
      const renamed = await server()
        .client()
        .PATCH('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance/{balanceAlertID}', {
          ...one,
          body: { balanceAlertDisplayName: 'Very low' },
        });
      expect(renamed.data).toEqual({ ...alert, balanceAlertDisplayName: 'Very low' });
      const cleared = await server()
        .client()
        .PATCH('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance/{balanceAlertID}', {
          ...one,
          body: { balanceAlertThreshold: 250.25, balanceAlertNotification: [] },
        });
      expect(cleared.data).toEqual({
        ...alert,
        balanceAlertDisplayName: 'Very low',
        balanceAlertThreshold: 250.25,
        balanceAlertNotification: [],
      });
      const taken = await server()
        .client()
        .PATCH('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance/{balanceAlertID}', {
          ...one,
          body: { balanceAlertThreshold: 0.5 },
        });
      expect(taken.response.status).toBe(409);
      expect(taken.error?.i18nKey).toBe('409.001');
      const deleted = await server()
        .client()
        .DELETE('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance/{balanceAlertID}', one);
      expect(deleted.data).toEqual({ balanceAlertID: alert.balanceAlertID, status: 'DELETED' });
      for (const gone of [
        await server().client().GET('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance/{balanceAlertID}', one),
        await server().client().DELETE('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance/{balanceAlertID}', one),
        await server()
          .client()
          .PATCH('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance/{balanceAlertID}', {
            ...one,
            body: { balanceAlertDisplayName: 'Again' },
          }),
      ]) {
        expect(gone.response.status).toBe(404);
        expect(gone.error?.i18nKey).toBe('404.001');
      }
    });

    test('a repeated threshold is 409.001; bad thresholds, names, ids and pages are 400s with their keys', async () => {
      const owner = await customer();
      const pool = await account(owner);
      const at = alertPath(owner, pool.accountIdentifier);
      const post = (body: Record<string, unknown>) =>
        server()
          .client()
          .POST('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance', { ...at, body: body as never });
      expect((await post({ balanceAlertDisplayName: 'Low', balanceAlertThreshold: 100 })).response.status).toBe(200);
      // 100.00 as written (JSON.stringify would send 100): the same threshold in cents, 409.
      const repeated = await raw(
        'POST',
        `/customers/${owner}/accounts/${pool.accountIdentifier}/lowbalance`,
        '{"balanceAlertDisplayName":"Low again","balanceAlertThreshold":100.00}',
      );
      expect(repeated.status).toBe(409);
      expect(await repeated.json()).toMatchObject({ i18nKey: '409.001' });
      const invalid = await post({ balanceAlertDisplayName: '', balanceAlertThreshold: 1.001 });
      expect(invalid.response.status).toBe(400);
      expect(Object.fromEntries((invalid.error?.errors ?? []).map((e) => [e.path, e.i18nKey]))).toMatchObject({
        balanceAlertDisplayName: '422.119',
      });
      expect((await post({ balanceAlertDisplayName: 'Low', balanceAlertThreshold: 1.001 })).error?.errors?.[0]).toMatchObject({
        path: 'balanceAlertThreshold',
        i18nKey: '422.014',
      });
      expect((await post({ balanceAlertDisplayName: 'Low', balanceAlertThreshold: -1 })).error?.errors?.[0]?.i18nKey).toBe('422.141');
      const page = await server()
        .client()
        .GET('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance', {
          params: { ...at.params, query: { elementsPerBlock: 101 } },
        });
      expect(page.response.status).toBe(400);
      expect(page.error?.errors?.[0]).toMatchObject({ path: 'elementsPerBlock', i18nKey: '422.042' });
      const badId = await server()
        .client()
        .GET(
          '/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance/{balanceAlertID}',
          onePath(owner, pool.accountIdentifier, 'nope'),
        );
      expect(badId.response.status).toBe(400);
      const badDelete = await server()
        .client()
        .DELETE(
          '/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance/{balanceAlertID}',
          onePath(owner, pool.accountIdentifier, 'nope'),
        );
      expect(badDelete.response.status).toBe(400);
      const badPatch = await server()
        .client()
        .PATCH('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance/{balanceAlertID}', {
          ...onePath(owner, pool.accountIdentifier, crypto.randomUUID()),
          body: {},
        });
      expect(badPatch.response.status).toBe(400);
    });

    test('alerts check credentials and ownership on every operation', async () => {
      const owner = await customer();
      const pool = await account(owner);
      const elsewhere = await account(await customer());
      const at = alertPath(owner, pool.accountIdentifier);
      const alert = (
        await server()
          .client()
          .POST('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance', {
            ...at,
            body: { balanceAlertDisplayName: 'Low', balanceAlertThreshold: 5 },
          })
      ).data!;
      const calls = (
        client: ReturnType<TestServer['client']>,
        customerIdentifier: string,
        accountIdentifier: string,
        id = alert.balanceAlertID,
      ) => {
        const path = alertPath(customerIdentifier, accountIdentifier);
        const one = onePath(customerIdentifier, accountIdentifier, id);
        return Promise.all([
          client.GET('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance', path),
          client.POST('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance', {
            ...path,
            body: { balanceAlertDisplayName: 'X', balanceAlertThreshold: 7 },
          }),
          client.GET('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance/{balanceAlertID}', one),
          client.PATCH('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance/{balanceAlertID}', {
            ...one,
            body: { balanceAlertDisplayName: 'Y' },
          }),
          client.DELETE('/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance/{balanceAlertID}', one),
        ]);
      };
      const keys = async (results: Promise<{ error?: { i18nKey?: string } }[]>) => (await results).map((r) => r.error?.i18nKey);
      expect(await keys(calls(server().client(server().oneRestricted), owner, pool.accountIdentifier))).toEqual(Array(5).fill('403.007'));
      expect(await keys(calls(server().client(server().oneReadOnly), owner, pool.accountIdentifier))).toEqual([
        undefined,
        '403.017',
        undefined,
        '403.017',
        '403.017',
      ]);
      expect(await keys(calls(server().client(), 'no-such-customer', pool.accountIdentifier))).toEqual(Array(5).fill('404.002'));
      expect(await keys(calls(server().client(), owner, 'no-such-account'))).toEqual(Array(5).fill('404.016'));
      expect(await keys(calls(server().client(), owner, elsewhere.accountIdentifier))).toEqual(Array(5).fill('404.020'));
      expect(await keys(calls(server().client(server().two), owner, pool.accountIdentifier))).toEqual(Array(5).fill('404.002'));
      const unauthenticated = await calls(server().client(null), owner, pool.accountIdentifier);
      expect(unauthenticated.map((r) => r.response.status)).toEqual(Array(5).fill(401));
    });
  });

  describe('balances', () => {
    test('account lists filter by the real balances', async () => {
      const owner = await customer();
      const low = await funded(5, owner);
      const high = await funded(500.5, owner);
      const ids = async (query: Record<string, number>) => {
        const { data } = await server()
          .client()
          .GET('/customers/{customerIdentifier}/accounts', { params: { path: { customerIdentifier: owner }, query } });
        return (data as { accountIdentifier: string }[]).map((a) => a.accountIdentifier);
      };
      expect(await ids({ minBalance: 100 })).toEqual([high.accountIdentifier]);
      expect(await ids({ maxBalance: 100 })).toEqual([low.accountIdentifier]);
      expect(await ids({ minBalance: 5, maxBalance: 500.5 })).toEqual([low.accountIdentifier, high.accountIdentifier]);
      const { data } = await server()
        .client()
        .GET('/accounts', { params: { query: { minBalance: 500.5, maxBalance: 500.5 } } });
      expect((data as { accountIdentifier: string }[]).map((a) => a.accountIdentifier)).toEqual([high.accountIdentifier]);
      // Decimals as sent: 1.005 is no bound in cents (float arithmetic read it as 1.00 or 1.01).
      for (const query of ['minBalance=1.005', 'maxBalance=10.005', 'minBalance=5.000', 'maxBalance=1.0005e1']) {
        const name = query.split('=')[0];
        for (const path of ['/accounts', `/customers/${owner}/accounts`]) {
          const response = await server().raw('GET', `${path}?${query}`, { headers: { authorization: basic(server().one) } });
          expect(response.status, `${path}?${query}`).toBe(400);
          const info = (await response.json()) as { i18nKey: string; errors?: { path: string; i18nKey: string }[] };
          expect(info.errors, `${path}?${query}`).toEqual([expect.objectContaining({ path: name, i18nKey: '422.014' })]);
        }
      }
      expect(await ids({ minBalance: 5.0, maxBalance: 5.0 })).toEqual([low.accountIdentifier]);
    });

    test('every balance equals the sum of its ledger entries', async () => {
      const from = await funded(42.42);
      const to = await funded();
      await transfer(from.accountIdentifier, to.accountIdentifier, 0.42);
      const ledger = await server().store.verifyLedger();
      expect(ledger.differences).toEqual([]);
      expect(ledger.entries).toBeGreaterThan(3);
    });
  });
}
