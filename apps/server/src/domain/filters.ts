/** The list queries of the contract, as the store's filters (times in ms, balances in minor units). */
import type { AccountFilters, CustomerFilters } from '../store/store.js';
import type { ListAccountsQuery, ListCustomersQuery } from './model.js';

const PAGINATION = new Set(['paginate', 'maxResults', 'nextCursor', 'prevCursor']);

const time = (value: string | undefined) => (value === undefined ? undefined : Date.parse(value));
const minor = (value: number | undefined) => (value === undefined ? undefined : Math.round(value * 100));

/** Drops undefined members, so that equal filters compare (and digest) equal. */
function defined<T extends object>(filters: T): T {
  return Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined)) as T;
}

/** The filtering part of a list query, in a stable order: what a cursor is bound to. */
export function filtersOf(query: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(query)
      .filter(([name, value]) => !PAGINATION.has(name) && value !== undefined)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

export function customerFilters(query: ListCustomersQuery): CustomerFilters {
  const accounts = defined<AccountFilters>({
    status: query.accountStatus,
    accountIdentifier: query.accountIdentifier,
    accountNumber: query.accountNumber,
    displayName: query.accountDisplayName,
    minCreatedAt: time(query.accountMinDateCreatedAt),
    maxCreatedAt: time(query.accountMaxDateCreatedAt),
  });
  return defined<CustomerFilters>({
    displayName: query.displayName,
    status: query.status,
    minCreatedAt: time(query.customerMinDateCreatedAt),
    maxCreatedAt: time(query.customerMaxDateCreatedAt),
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
    minBalanceMinor: minor(query.minBalance),
    maxBalanceMinor: minor(query.maxBalance),
    minCreatedAt: time(query.minDateCreatedAt),
    maxCreatedAt: time(query.maxDateCreatedAt),
  });
}
