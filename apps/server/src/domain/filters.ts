/** The list queries of the contract, as the store's filters (times in ms, balances in minor units). */
import type { AccountFilters, CustomerFilters } from './ports.js';
import { invalidField } from './errors.js';
import { minorUnits } from './money.js';
import type { ListAccountsQuery, ListCustomersQuery } from './model.js';

const PAGINATION = new Set(['paginate', 'maxResults', 'nextCursor', 'prevCursor']);

/**
 * A date-time filter in epoch milliseconds. The spec's format admits a few values JavaScript
 * cannot place in time (a leap second `…:60Z`, an offset of `+25:00`): those are a 400 here.
 */
function time(parameter: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw invalidField(parameter, 'format', 'is not a date-time that can be placed in time', value);
  }
  return ms;
}
/** Integer digits of a balance bound: the spec bounds it at ±10^12. */
export const BALANCE_BOUND_DIGITS = 13;

/**
 * A balance bound in minor units, by money.ts's exact decimal rule (no float arithmetic): more
 * than two decimals is a 400 naming the parameter (422.014). The HTTP layer has already judged
 * the text as sent (prechecks.ts); the number's shortest text is the same decimal for any bound
 * the spec admits. The spec bounds it, but NaN passes a bounds check.
 */
function minor(parameter: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value)) {
    throw invalidField(parameter, 'type', 'must be a finite number', String(value));
  }
  return minorUnits(parameter, String(value), BALANCE_BOUND_DIGITS);
}

/** Drops undefined members, so that equal filters compare (and digest) equal. */
function defined<T extends object>(filters: T): T {
  return Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined)) as T;
}

/** The filtering part of a list query, in a stable order: what a cursor is bound to. */
export function filtersOf(query: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(query)
      .filter(([name, value]) => !PAGINATION.has(name) && value !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

export function customerFilters(query: ListCustomersQuery): CustomerFilters {
  const accounts = defined<AccountFilters>({
    status: query.accountStatus,
    accountIdentifier: query.accountIdentifier,
    accountNumber: query.accountNumber,
    displayName: query.accountDisplayName,
    minCreatedAt: time('accountMinDateCreatedAt', query.accountMinDateCreatedAt),
    maxCreatedAt: time('accountMaxDateCreatedAt', query.accountMaxDateCreatedAt),
  });
  return defined<CustomerFilters>({
    displayName: query.displayName,
    status: query.status,
    minCreatedAt: time('customerMinDateCreatedAt', query.customerMinDateCreatedAt),
    maxCreatedAt: time('customerMaxDateCreatedAt', query.customerMaxDateCreatedAt),
    accounts: Object.keys(accounts).length > 0 ? accounts : undefined,
  });
}

export function accountFilters(query: ListAccountsQuery): AccountFilters {
  const currencyCode = query.currencyCode as ListAccountsQuery['currencyCode'] | string | undefined;
  return defined<AccountFilters>({
    accountNumber: query.accountNumber,
    displayName: query.displayName,
    status: query.status,
    contactEmail: query.contactEmail,
    // One value may arrive as a plain string (`currencyCode=USD`), several as an array.
    currencyCodes: currencyCode === undefined ? undefined : ([] as string[]).concat(currencyCode),
    minBalanceMinor: minor('minBalance', query.minBalance),
    maxBalanceMinor: minor('maxBalance', query.maxBalance),
    minCreatedAt: time('minDateCreatedAt', query.minDateCreatedAt),
    maxCreatedAt: time('maxDateCreatedAt', query.maxDateCreatedAt),
  });
}
