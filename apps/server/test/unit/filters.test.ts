/** The list queries turned into store filters: names, units, stable order, and refusals. */
import { describe, expect, test } from 'vitest';
import { ApiError } from '../../src/domain/errors.js';
import { accountFilters, customerFilters, filtersOf } from '../../src/domain/filters.js';
import type { ListAccountsQuery } from '../../src/domain/model.js';

/** The violation a call threw, as ErrorInfo would list it before rendering. */
function refusal(call: () => unknown): { i18nKey: string; errors: unknown } {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    return { i18nKey: apiError.i18nKey, errors: apiError.errors };
  }
  throw new Error('no error was thrown');
}

describe('filtersOf', () => {
  test('keeps the filtering parameters only, without undefined ones, in name order', () => {
    const filters = filtersOf({
      status: 'active',
      paginate: true,
      maxResults: 5,
      nextCursor: 'x',
      prevCursor: 'y',
      displayName: 'Acme',
      accountNumber: undefined,
    });
    expect(filters).toEqual({ displayName: 'Acme', status: 'active' });
    expect(Object.keys(filters)).toEqual(['displayName', 'status']);
  });

  test('gives the same result whatever order the parameters came in', () => {
    expect(JSON.stringify(filtersOf({ b: 1, a: 2, c: 3 }))).toBe(JSON.stringify(filtersOf({ c: 3, a: 2, b: 1 })));
  });
});

describe('customerFilters', () => {
  test('maps the customer and account parameters, times in epoch milliseconds', () => {
    expect(
      customerFilters({
        displayName: 'Acme',
        status: 'active',
        customerMinDateCreatedAt: '2024-01-01T00:00:00Z',
        customerMaxDateCreatedAt: '2024-01-02T00:00:00.500+01:00',
        accountStatus: 'ACTIVE',
        accountIdentifier: 'acme-pool',
        accountNumber: 'A12345678',
        accountDisplayName: 'Pool',
        accountMinDateCreatedAt: '2024-02-01T00:00:00Z',
      }),
    ).toEqual({
      displayName: 'Acme',
      status: 'active',
      minCreatedAt: Date.UTC(2024, 0, 1),
      maxCreatedAt: Date.UTC(2024, 0, 1, 23, 0, 0, 500),
      accounts: {
        status: 'ACTIVE',
        accountIdentifier: 'acme-pool',
        accountNumber: 'A12345678',
        displayName: 'Pool',
        minCreatedAt: Date.UTC(2024, 1, 1),
      },
    });
  });

  test('has no account filter, and no undefined member, when none is given', () => {
    const filters = customerFilters({ displayName: 'Acme' });
    expect(filters).toEqual({ displayName: 'Acme' });
    expect(Object.keys(filters)).toEqual(['displayName']);
  });

  test('refuses a date-time that cannot be placed in time, naming the parameter', () => {
    expect(refusal(() => customerFilters({ accountMaxDateCreatedAt: '2024-06-30T23:59:60Z' }))).toEqual({
      i18nKey: '400.001',
      errors: [{ path: 'accountMaxDateCreatedAt', rule: 'format', detail: expect.any(String), invalidValue: '2024-06-30T23:59:60Z' }],
    });
  });
});

describe('accountFilters', () => {
  test('takes one currency or several, and balances in minor units', () => {
    expect(accountFilters({ currencyCode: 'USD' as unknown as ListAccountsQuery['currencyCode'] })).toEqual({ currencyCodes: ['USD'] });
    expect(accountFilters({ currencyCode: ['USD', 'EUR'], minBalance: 12.34, maxBalance: 0.07 })).toEqual({
      currencyCodes: ['USD', 'EUR'],
      minBalanceMinor: 1234,
      maxBalanceMinor: 7,
    });
    // Exact cents, no float arithmetic: 1.005 is no amount of cents (Math.round(1.005 * 100) is 100).
    const keyOf = (query: ListAccountsQuery) => {
      try {
        accountFilters(query);
        return undefined;
      } catch (error) {
        return (error as ApiError).errors?.[0];
      }
    };
    expect(keyOf({ minBalance: 1.005 })).toMatchObject({ path: 'minBalance', i18nKey: '422.014' });
    expect(keyOf({ maxBalance: 10.005 })).toMatchObject({ path: 'maxBalance', i18nKey: '422.014' });
    expect(accountFilters({ minBalance: -1e12, maxBalance: 1e12 })).toEqual({ minBalanceMinor: -1e14, maxBalanceMinor: 1e14 });
  });

  test('maps the other parameters by name', () => {
    expect(
      accountFilters({
        accountNumber: 'A1',
        displayName: 'Pool',
        status: 'ACTIVE',
        contactEmail: 'a@b.example',
        minDateCreatedAt: '1970-01-01T00:00:01Z',
      }),
    ).toEqual({ accountNumber: 'A1', displayName: 'Pool', status: 'ACTIVE', contactEmail: 'a@b.example', minCreatedAt: 1000 });
  });

  test.each([Number.NaN, Number.POSITIVE_INFINITY])('refuses a balance of %s', (value) => {
    expect(refusal(() => accountFilters({ minBalance: value }))).toEqual({
      i18nKey: '400.001',
      errors: [{ path: 'minBalance', rule: 'type', detail: 'must be a finite number', invalidValue: String(value) }],
    });
  });
});
