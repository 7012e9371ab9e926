/**
 * The domain's ownership and scope rules, on an in-memory store: a platform sees only its own data,
 * a read-only credential never writes, a customer-limited one touches only its customers (and an
 * account of another customer does not exist for it), and the lists get the credential's scope.
 */
import { basic } from '@raas-customers/test-kit';
import { beforeEach, describe, expect, test } from 'vitest';
import { hashKey, matchCredential, parseBasic, principalOf } from '../../src/auth/credentials.js';
import { ApiError } from '../../src/domain/errors.js';
import type { Account, Customer, Principal } from '../../src/domain/model.js';
import { RaasService } from '../../src/domain/raas-service.js';
import {
  type CustomerScope,
  type ListWindow,
  type Positioned,
  type Store,
  type StoredCredential,
  UniqueViolation,
} from '../../src/domain/ports.js';

type Scope = CustomerScope & { customerIdentifier?: string };

/** Just what the service asks of a store, kept in maps per platform; it records each list's scope and each write. */
function memoryStore() {
  const customers = new Map<string, Customer>();
  const accounts = new Map<string, { account: Account; customerIdentifier: string }>();
  const calls = { scopes: [] as Scope[], writes: [] as string[], lookups: [] as string[] };
  let next = 1;
  const key = (platformId: number, id: string) => `${platformId}/${id}`;
  const windowOf = <T>(rows: T[], window: ListWindow): Positioned<T>[] =>
    rows
      .map((item, i) => ({ item, position: { createdAt: 1000, id: i + 1 } }))
      .filter((row) => !window.after || row.position.id > window.after.id)
      .slice(0, window.limit);
  const store = {
    kind: 'sqlite',
    async setting(_name: string, initial: () => string) {
      return initial();
    },
    async insertCustomer(platformId: number, criteria: { customerIdentifier: string; displayName: string }) {
      calls.writes.push(`customer ${criteria.customerIdentifier}`);
      if (customers.has(key(platformId, criteria.customerIdentifier))) throw new UniqueViolation('customer');
      const customer = { ...criteria, status: 'active', createdAt: '2024-01-01T00:00:00.000Z', accounts: [] } as unknown as Customer;
      customers.set(key(platformId, criteria.customerIdentifier), customer);
      return customer;
    },
    async findCustomer(platformId: number, customerIdentifier: string) {
      calls.lookups.push(`customer ${customerIdentifier}`);
      return customers.get(key(platformId, customerIdentifier));
    },
    async customerExists(platformId: number, customerIdentifier: string) {
      calls.lookups.push(`customer ${customerIdentifier}`);
      return customers.has(key(platformId, customerIdentifier));
    },
    async listCustomers(platformId: number, scope: Scope, _filters: unknown, window: ListWindow) {
      calls.scopes.push(scope);
      const own = [...customers.entries()].filter(([k]) => k.startsWith(`${platformId}/`)).map(([, c]) => c);
      return windowOf(
        own.filter((c) => !scope.customerIdentifiers || scope.customerIdentifiers.includes(c.customerIdentifier)),
        window,
      );
    },
    async insertAccount(platformId: number, customerIdentifier: string, criteria: { accountIdentifier: string; displayName: string }) {
      calls.writes.push(`account ${criteria.accountIdentifier}`);
      if (!customers.has(key(platformId, customerIdentifier))) return undefined;
      if (accounts.has(key(platformId, criteria.accountIdentifier))) throw new UniqueViolation('account');
      const taken = [...accounts.entries()].some(
        ([k, a]) => k.startsWith(`${platformId}/`) && a.account.displayName === criteria.displayName,
      );
      if (taken) throw new UniqueViolation('accountDisplayName');
      const account = { ...criteria, accountNumber: `A${String(next++).padStart(8, '0')}` } as unknown as Account;
      accounts.set(key(platformId, criteria.accountIdentifier), { account, customerIdentifier });
      return account;
    },
    async findAccount(platformId: number, accountIdentifier: string) {
      calls.lookups.push(`account ${accountIdentifier}`);
      return accounts.get(key(platformId, accountIdentifier));
    },
    async listAccounts(_platformId: number, scope: Scope, _filters: unknown, window: ListWindow) {
      calls.scopes.push(scope);
      return windowOf([] as Account[], window);
    },
    async settleDueDeposits() {},
    async updateAccount(platformId: number, accountIdentifier: string, patch: Partial<Account>) {
      calls.writes.push(`update ${accountIdentifier}`);
      const found = accounts.get(key(platformId, accountIdentifier));
      if (!found) return undefined;
      found.account = { ...found.account, ...patch };
      return found.account;
    },
  };
  return { store: store as unknown as Store, calls };
}

const principal = (platformId: number, options: { readOnly?: boolean; allowedCustomers?: string[] } = {}): Principal => ({
  platformId,
  platformName: `platform-${platformId}`,
  keyId: `key-${platformId}`,
  readOnly: options.readOnly ?? false,
  allowedCustomers: options.allowedCustomers ? new Set(options.allowedCustomers) : null,
});

const full = principal(1);
const readOnly = principal(1, { readOnly: true });
const restricted = principal(1, { allowedCustomers: ['acme-east'] });
const otherPlatform = principal(2);

const account = (accountIdentifier: string, displayName = `Pool ${accountIdentifier}`) => ({
  accountIdentifier,
  displayName,
  contactEmail: 'finance@acme.example',
});

/** The i18nKey the promise is rejected with. */
async function keyOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return error.i18nKey;
}

let service: RaasService;
let calls: ReturnType<typeof memoryStore>['calls'];

beforeEach(async () => {
  const memory = memoryStore();
  service = new RaasService(memory.store, { now: () => new Date(Date.UTC(2024, 0, 1)) });
  calls = memory.calls;
  for (const customerIdentifier of ['acme-east', 'acme-west']) {
    await service.createCustomer(full, { customerIdentifier, displayName: `Acme ${customerIdentifier}` });
  }
  await service.createCustomerAccount(full, 'acme-east', account('east-pool'));
  await service.createCustomerAccount(full, 'acme-west', account('west-pool'));
  calls.writes.length = 0;
  calls.lookups.length = 0;
  calls.scopes.length = 0;
});

describe('a platform sees only its own data', () => {
  test("another platform's customer and account do not exist for it", async () => {
    expect(await keyOf(service.getCustomer(otherPlatform, 'acme-east'))).toBe('404.002');
    expect(await keyOf(service.getAccount(otherPlatform, 'east-pool'))).toBe('404.016');
    expect(await keyOf(service.customerAccountPage(otherPlatform, 'acme-east', {}))).toBe('404.002');
    expect((await service.customerPage(otherPlatform, {})).items).toEqual([]);
  });

  test('identifiers are unique per platform: another platform may use the same ones', async () => {
    await service.createCustomer(otherPlatform, { customerIdentifier: 'acme-east', displayName: 'Their Acme' });
    expect((await service.getCustomer(otherPlatform, 'acme-east')).displayName).toBe('Their Acme');
    expect((await service.getCustomer(full, 'acme-east')).displayName).toBe('Acme acme-east');
  });

  test("a platform's cursor does not open another platform's list", async () => {
    await service.createCustomer(full, { customerIdentifier: 'acme-north', displayName: 'Acme north' });
    const page = await service.customerPage(full, { maxResults: 1 });
    expect(page.nextCursor).toEqual(expect.any(String));
    expect(await keyOf(service.customerPage(otherPlatform, { maxResults: 1, nextCursor: page.nextCursor! }))).toBe('400.001');
    expect((await service.customerPage(full, { maxResults: 1, nextCursor: page.nextCursor! })).items).toHaveLength(1);
  });
});

describe('a read-only credential never writes', () => {
  test('every create and update is 403.017, before the store is asked', async () => {
    expect(await keyOf(service.createCustomer(readOnly, { customerIdentifier: 'acme-south', displayName: 'Acme south' }))).toBe('403.017');
    expect(await keyOf(service.createCustomerAccount(readOnly, 'acme-east', account('east-two')))).toBe('403.017');
    expect(await keyOf(service.updateCustomerAccount(readOnly, 'acme-east', 'east-pool', { displayName: 'Renamed pool' }))).toBe('403.017');
    expect(calls.writes).toEqual([]);
    expect(calls.lookups).toEqual([]);
  });

  test('it reads everything its platform has', async () => {
    expect((await service.getCustomer(readOnly, 'acme-west')).customerIdentifier).toBe('acme-west');
    expect((await service.getAccount(readOnly, 'west-pool')).accountIdentifier).toBe('west-pool');
  });
});

describe('a customer-limited credential', () => {
  test('gets 403.007 for any other customer, before the store is asked', async () => {
    expect(await keyOf(service.getCustomer(restricted, 'acme-west'))).toBe('403.007');
    expect(await keyOf(service.createCustomer(restricted, { customerIdentifier: 'acme-south', displayName: 'Acme south' }))).toBe(
      '403.007',
    );
    expect(await keyOf(service.createCustomerAccount(restricted, 'acme-west', account('west-two')))).toBe('403.007');
    expect(await keyOf(service.customerAccountPage(restricted, 'acme-west', {}))).toBe('403.007');
    expect(calls.writes).toEqual([]);
    expect(calls.lookups).toEqual([]);
  });

  test('an account of another customer does not exist for it (404.016, as a made-up one), and is never changed', async () => {
    expect(await keyOf(service.getAccount(restricted, 'west-pool'))).toBe('404.016');
    expect(await keyOf(service.getAccount(restricted, 'no-such-pool'))).toBe('404.016');
    expect(await keyOf(service.updateCustomerAccount(restricted, 'acme-east', 'west-pool', { displayName: 'Taken over' }))).toBe('404.016');
    expect(calls.writes).toEqual([]);
  });

  test('works on its own customers', async () => {
    expect((await service.getCustomer(restricted, 'acme-east')).customerIdentifier).toBe('acme-east');
    expect((await service.createCustomerAccount(restricted, 'acme-east', account('east-two'))).accountIdentifier).toBe('east-two');
  });

  test("the platform-wide lists are asked for its customers only; a customer's own list for that customer", async () => {
    const page = await service.customerPage(restricted, {});
    expect(page.items.map((c) => c.customerIdentifier)).toEqual(['acme-east']);
    await service.accountPage(restricted, {});
    await service.customerAccountPage(restricted, 'acme-east', {});
    await service.accountPage(full, {});
    expect(calls.scopes).toEqual([
      { customerIdentifiers: ['acme-east'] },
      { customerIdentifiers: ['acme-east'] },
      { customerIdentifiers: null, customerIdentifier: 'acme-east' },
      { customerIdentifiers: null },
    ]);
  });
});

describe('accounts and their customers', () => {
  test('an account under another customer of the platform is 404.020; an unknown customer 404.002', async () => {
    expect(await keyOf(service.updateCustomerAccount(full, 'acme-east', 'west-pool', { displayName: 'Moved pool' }))).toBe('404.020');
    expect(await keyOf(service.updateCustomerAccount(full, 'no-such-customer', 'west-pool', { displayName: 'Moved pool' }))).toBe(
      '404.002',
    );
    expect(await keyOf(service.createCustomerAccount(full, 'no-such-customer', account('lost-pool')))).toBe('404.002');
    expect(calls.writes).toEqual(['account lost-pool']);
  });

  test('duplicates answer with their own key and the value in the message', async () => {
    const duplicate = await service
      .createCustomer(full, { customerIdentifier: 'acme-east', displayName: 'Again' })
      .catch((e: unknown) => e);
    expect(duplicate).toMatchObject({
      i18nKey: '409.012',
      httpCode: 409,
      message: 'This customer identifier, acme-east exists already for this platform',
    });
    expect(await keyOf(service.createCustomerAccount(full, 'acme-west', account('east-pool', 'A new name')))).toBe('409.018');
    const name = await service.createCustomerAccount(full, 'acme-west', account('west-two', 'Pool east-pool')).catch((e: unknown) => e);
    expect(name).toMatchObject({
      i18nKey: '409.017',
      message: 'The account display name, Pool east-pool, already exists on this platform.',
    });
    // Both taken: the identifier's key wins.
    expect(await keyOf(service.createCustomerAccount(full, 'acme-west', account('east-pool', 'Pool west-pool')))).toBe('409.018');
  });
});

describe('credentials', () => {
  const stored = (keyId: string, key: string, extra: Partial<StoredCredential> = {}): StoredCredential =>
    ({
      platformId: 1,
      platformName: 'acme-platform',
      keyId,
      keyHash: hashKey(key),
      readOnly: false,
      allowedCustomers: null,
      ...extra,
    }) as StoredCredential;

  test('parseBasic splits the header at the first colon, and refuses what is not Basic', () => {
    const header = basic('acme-platform', 'k:e:y');
    expect(parseBasic(header)).toEqual({ name: 'acme-platform', key: 'k:e:y' });
    expect(parseBasic(header.replace('Basic', 'basic'))).toEqual({ name: 'acme-platform', key: 'k:e:y' });
    for (const bad of [
      undefined,
      '',
      'Bearer abc',
      'Basic',
      'Basic !!!',
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
      `Basic ${Buffer.from(':key').toString('base64')}`,
    ]) {
      expect(parseBasic(bad), String(bad)).toBeUndefined();
    }
  });

  test('matchCredential finds the credential whose hash is the key, and nothing for a wrong key', () => {
    const candidates = [stored('one', 'first-key'), stored('two', 'second-key')];
    expect(matchCredential(candidates, 'second-key')?.keyId).toBe('two');
    expect(matchCredential(candidates, 'third-key')).toBeUndefined();
    expect(matchCredential([], 'first-key')).toBeUndefined();
  });

  test('principalOf carries the read-only flag and the allowed customers as a set', () => {
    expect(principalOf(stored('one', 'k', { readOnly: true, allowedCustomers: ['acme-east', 'acme-west'] }))).toEqual({
      platformId: 1,
      platformName: 'acme-platform',
      keyId: 'one',
      readOnly: true,
      allowedCustomers: new Set(['acme-east', 'acme-west']),
    });
    expect(principalOf(stored('two', 'k')).allowedCustomers).toBeNull();
  });
});
