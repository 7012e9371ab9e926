/**
 * A broken foreign key (ForeignKeyViolation, from either driver) means a platform deleted while
 * its request was under way only in sandbox mode, and only when the request's credential is gone
 * too (401.501); otherwise it is a bug: a logged 500. On both stores, and the mapping by itself.
 */
import type { Request, Response } from 'express';
import { describe, expect, test } from 'vitest';
import { ForeignKeyViolation, PlatformGone, type Store, StoreUnavailable } from '../src/domain/ports.js';
import { foreignKeyFailures } from '../src/http/error-handler.js';
import { createLogger } from '../src/logger.js';
import { STORE_KINDS, type TestServer, basic, startTestServer, wrapMethod } from './support/harness.js';

const PRINCIPAL = { platformId: 1, platformName: 'platform-one', keyId: 'key-one', readOnly: false, allowedCustomers: null };

/** What foreignKeyFailures passes on for `error`, with the store's sandboxSettings answering `settings`. */
async function mapped(
  error: unknown,
  options: { sandbox: boolean; principal?: typeof PRINCIPAL; settings: () => Promise<unknown> },
): Promise<{ passed: unknown; lookups: number }> {
  let lookups = 0;
  const store = {
    sandboxSettings: async () => {
      lookups += 1;
      return options.settings();
    },
  } as unknown as Store;
  const res = { locals: { principal: options.principal } } as unknown as Response;
  const passed = await new Promise((resolve) => {
    void foreignKeyFailures({ sandbox: options.sandbox, store })(error, {} as Request, res, resolve);
  });
  return { passed, lookups };
}

describe('foreignKeyFailures', () => {
  const violation = new ForeignKeyViolation('accounts_customer_id_fkey', new Error('driver'));
  const settings = async () => ({ clockOffsetMs: 0, requestsPerSecond: 0 });

  test('sandbox mode, the credential gone: PlatformGone', async () => {
    const { passed, lookups } = await mapped(violation, { sandbox: true, principal: PRINCIPAL, settings: async () => undefined });
    expect(passed).toBeInstanceOf(PlatformGone);
    expect(lookups).toBe(1);
  });

  test('sandbox mode, the credential still there: the violation itself (a 500), whichever key broke', async () => {
    for (const constraint of ['accounts_customer_id_fkey', 'transfers_to_account_id_fkey', 'customers_platform_id_fkey', undefined]) {
      const error = new ForeignKeyViolation(constraint, new Error('driver'));
      expect((await mapped(error, { sandbox: true, principal: PRINCIPAL, settings })).passed).toBe(error);
    }
  });

  test('production mode, or no credentials: the violation itself, the store never asked', async () => {
    expect(await mapped(violation, { sandbox: false, principal: PRINCIPAL, settings: async () => undefined })).toEqual({
      passed: violation,
      lookups: 0,
    });
    expect(await mapped(violation, { sandbox: true, settings: async () => undefined })).toEqual({ passed: violation, lookups: 0 });
  });

  test('any other error passes untouched; a database out of reach while looking up is a 503', async () => {
    const other = new Error('other');
    expect(await mapped(other, { sandbox: true, principal: PRINCIPAL, settings: async () => undefined })).toEqual({
      passed: other,
      lookups: 0,
    });
    const down = new StoreUnavailable(new Error('down'));
    expect(
      (
        await mapped(violation, {
          sandbox: true,
          principal: PRINCIPAL,
          settings: async () => {
            throw down;
          },
        })
      ).passed,
    ).toBe(down);
  });
});

describe.each(STORE_KINDS)('a broken foreign key on %s', (kind) => {
  test('either driver reports any broken key as the neutral ForeignKeyViolation, its cause kept', async () => {
    const on = await startTestServer(kind);
    try {
      const [platform] = (await on.sql("SELECT id FROM platforms WHERE name = 'platform-one'")) as [{ id: number }];
      // An account's customer, a transfer's destination account: neither is a platform gone.
      const brokenCustomer = on.sql(
        `INSERT INTO accounts (platform_id, customer_id, account_identifier, account_number, display_name, currency_code,
          contact_email, status, created_at) VALUES (?, 999999, 'orphan', 'A99999999', 'Orphan', 'USD', 'o@acme.example', 'ACTIVE', 0)`,
        [platform.id],
      );
      await expect(brokenCustomer).rejects.toBeInstanceOf(ForeignKeyViolation);
      const error = (await brokenCustomer.catch((e: unknown) => e)) as ForeignKeyViolation;
      expect(error).not.toBeInstanceOf(PlatformGone);
      expect(error.cause).toBeInstanceOf(Error);
      if (kind === 'postgres') expect(error.constraint).toBe('accounts_customer_id_fkey');
      await expect(
        on.sql(
          `INSERT INTO transfers (platform_id, from_account_id, to_account_id, amount_minor, created_at) VALUES (?, 999998, 999999, 1, 0)`,
          [platform.id],
        ),
      ).rejects.toBeInstanceOf(ForeignKeyViolation);
    } finally {
      await on.close();
    }
  });

  /** A server whose customer creation breaks accounts' customer key (a bug), counting sandboxSettings calls and keeping its error log. */
  const withBrokenCreate = async (mode: 'sandbox' | 'production') => {
    const logged: { msg: string; err?: { type?: string; message?: string } }[] = [];
    const logger = createLogger('error', { write: (line: string) => void logged.push(JSON.parse(line)) });
    const counts = { sandboxSettings: 0 };
    let on: TestServer | undefined;
    const wrap = (store: Store): Store =>
      wrapMethod(
        wrapMethod(store, 'sandboxSettings', (original) => (...args) => {
          counts.sandboxSettings += 1;
          return original(...args);
        }),
        'insertCustomer',
        () => async (platformId) => {
          await on!.sql(
            `INSERT INTO accounts (platform_id, customer_id, account_identifier, account_number, display_name, currency_code,
              contact_email, status, created_at) VALUES (?, 999999, 'orphan', 'A99999999', 'Orphan', 'USD', 'o@acme.example', 'ACTIVE', 0)`,
            [platformId],
          );
          throw new Error('unreachable: the insert above fails');
        },
      );
    on = await startTestServer(kind, { mode, logger, wrapStore: wrap });
    return { on, logged, counts };
  };
  const create = (on: TestServer) =>
    fetch(`${on.baseUrl}/customers`, {
      method: 'POST',
      headers: { Authorization: basic(on.one), 'Content-Type': 'application/json' },
      body: JSON.stringify({ customerIdentifier: 'bugged', displayName: 'Bugged' }),
    });

  test('in sandbox mode, a key broken while the credential is still there is a logged 500, never 401', async () => {
    const { on, logged, counts } = await withBrokenCreate('sandbox');
    try {
      const before = counts.sandboxSettings;
      const response = await create(on);
      expect(response.status).toBe(500);
      expect(response.headers.get('www-authenticate')).toBeNull();
      expect(((await response.json()) as { i18nKey: string }).i18nKey).toBe('500.001');
      // The per-request check, and the error handling's look-up that found the credential.
      expect(counts.sandboxSettings - before).toBe(2);
      expect(logged).toContainEqual(
        expect.objectContaining({ msg: 'unexpected error', err: expect.objectContaining({ type: 'ForeignKeyViolation' }) }),
      );
    } finally {
      await on.close();
    }
  });

  test('in production mode, a broken key is a logged 500 and sandboxSettings is never called', async () => {
    const { on, logged, counts } = await withBrokenCreate('production');
    try {
      const response = await create(on);
      expect(response.status).toBe(500);
      expect(((await response.json()) as { i18nKey: string }).i18nKey).toBe('500.001');
      expect(counts.sandboxSettings).toBe(0);
      expect(logged).toContainEqual(
        expect.objectContaining({ msg: 'unexpected error', err: expect.objectContaining({ type: 'ForeignKeyViolation' }) }),
      );
    } finally {
      await on.close();
    }
  });
});
