/**
 * The SQL of every list, for both databases: filters, scope and the keyset window in creation
 * order (created_at, id), each backed by an index of migration 2. Placeholders are `?` (the
 * driver numbers them for PostgreSQL).
 */
import type { AccountFilters, CustomerFilters, CustomerScope, ListWindow } from '../domain/ports.js';

export interface Query {
  text: string;
  values: unknown[];
}

class Parameters {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return '?';
  }
  list(values: readonly unknown[]): string {
    return values.map((value) => this.add(value)).join(', ');
  }
}

export const CUSTOMER_COLUMNS = 'c.id, c.customer_identifier, c.display_name, c.status, c.created_at';
/** An account as an insert or update returns it (the customer's identifier is not needed there). */
export const RETURNED_ACCOUNT = `id, customer_id, account_identifier, account_number, display_name, currency_code,
  current_balance_minor, contact_email, funding_notification, status, created_at`;

export const ACCOUNT_COLUMNS = `a.id, a.customer_id, c.customer_identifier, a.account_identifier, a.account_number,
  a.display_name, a.currency_code, a.current_balance_minor, a.contact_email, a.funding_notification,
  a.status, a.created_at`;

function accountConditions(f: AccountFilters, p: Parameters): string[] {
  const conditions: string[] = [];
  if (f.accountIdentifier !== undefined) conditions.push(`a.account_identifier = ${p.add(f.accountIdentifier)}`);
  if (f.accountNumber !== undefined) conditions.push(`a.account_number = ${p.add(f.accountNumber)}`);
  if (f.displayName !== undefined) conditions.push(`a.display_name = ${p.add(f.displayName)}`);
  if (f.status !== undefined) conditions.push(`a.status = ${p.add(f.status)}`);
  if (f.contactEmail !== undefined) conditions.push(`a.contact_email = ${p.add(f.contactEmail)}`);
  if (f.currencyCodes?.length) conditions.push(`a.currency_code IN (${p.list(f.currencyCodes)})`);
  if (f.minBalanceMinor !== undefined) conditions.push(`a.current_balance_minor >= ${p.add(f.minBalanceMinor)}`);
  if (f.maxBalanceMinor !== undefined) conditions.push(`a.current_balance_minor <= ${p.add(f.maxBalanceMinor)}`);
  if (f.minCreatedAt !== undefined) conditions.push(`a.created_at >= ${p.add(f.minCreatedAt)}`);
  if (f.maxCreatedAt !== undefined) conditions.push(`a.created_at <= ${p.add(f.maxCreatedAt)}`);
  return conditions;
}

function scopeCondition(scope: CustomerScope, p: Parameters): string[] {
  if (!scope.customerIdentifiers) return [];
  if (scope.customerIdentifiers.length === 0) return ['1 = 0'];
  return [`c.customer_identifier IN (${p.list(scope.customerIdentifiers)})`];
}

/** The window as a condition and an order: nearest rows first, so LIMIT takes the right ones. */
function windowOf(alias: 'a' | 'c', window: ListWindow, p: Parameters): { conditions: string[]; descending: boolean } {
  if (window.after) {
    return {
      conditions: [`(${alias}.created_at, ${alias}.id) > (${p.add(window.after.createdAt)}, ${p.add(window.after.id)})`],
      descending: false,
    };
  }
  if (window.before) {
    return {
      conditions: [`(${alias}.created_at, ${alias}.id) < (${p.add(window.before.createdAt)}, ${p.add(window.before.id)})`],
      descending: true,
    };
  }
  return { conditions: [], descending: false };
}

const orderBy = (alias: 'a' | 'c', descending: boolean) =>
  descending ? `${alias}.created_at DESC, ${alias}.id DESC` : `${alias}.created_at, ${alias}.id`;

/** Rows come back nearest-first; `descending` tells the store to reverse them into creation order. */
export function customerWindowQuery(
  platformId: number,
  scope: CustomerScope,
  filters: CustomerFilters,
  window: ListWindow,
): Query & { descending: boolean } {
  const p = new Parameters();
  const conditions = [`c.platform_id = ${p.add(platformId)}`, ...scopeCondition(scope, p)];
  if (filters.displayName !== undefined) conditions.push(`c.display_name = ${p.add(filters.displayName)}`);
  if (filters.status !== undefined) conditions.push(`c.status = ${p.add(filters.status)}`);
  if (filters.minCreatedAt !== undefined) conditions.push(`c.created_at >= ${p.add(filters.minCreatedAt)}`);
  if (filters.maxCreatedAt !== undefined) conditions.push(`c.created_at <= ${p.add(filters.maxCreatedAt)}`);
  const accountLevel = filters.accounts ? accountConditions(filters.accounts, p) : [];
  if (accountLevel.length > 0) {
    conditions.push(`EXISTS (SELECT 1 FROM accounts a WHERE a.customer_id = c.id AND ${accountLevel.join(' AND ')})`);
  }
  const { conditions: windowConditions, descending } = windowOf('c', window, p);
  conditions.push(...windowConditions);
  const text = `SELECT ${CUSTOMER_COLUMNS} FROM customers c WHERE ${conditions.join(' AND ')}
    ORDER BY ${orderBy('c', descending)} LIMIT ${p.add(window.limit)}`;
  return { text, values: p.values, descending };
}

export function accountWindowQuery(
  platformId: number,
  scope: CustomerScope & { customerIdentifier?: string },
  filters: AccountFilters,
  window: ListWindow,
): Query & { descending: boolean } {
  const p = new Parameters();
  const conditions = [`a.platform_id = ${p.add(platformId)}`, ...scopeCondition(scope, p)];
  if (scope.customerIdentifier !== undefined) {
    // Resolve the customer first, so the (customer_id, created_at, id) index drives the scan.
    conditions.push(
      `a.customer_id = (SELECT id FROM customers WHERE platform_id = ${p.add(platformId)} AND customer_identifier = ${p.add(scope.customerIdentifier)})`,
    );
  }
  conditions.push(...accountConditions(filters, p));
  const { conditions: windowConditions, descending } = windowOf('a', window, p);
  conditions.push(...windowConditions);
  const text = `SELECT ${ACCOUNT_COLUMNS} FROM accounts a JOIN customers c ON c.id = a.customer_id
    WHERE ${conditions.join(' AND ')} ORDER BY ${orderBy('a', descending)} LIMIT ${p.add(window.limit)}`;
  return { text, values: p.values, descending };
}

/** What a customer shows of each account (AccountSummary), and whose it is. */
export const SUMMARY_COLUMNS =
  'a.customer_id, a.account_identifier, a.account_number, a.display_name, a.currency_code, a.status, a.created_at';

/**
 * The account summaries of a page of customers, each customer's in creation order: one query for
 * the whole page, in the order of the (customer_id, created_at, id) index, so nothing is sorted.
 */
export function accountsOfCustomersQuery(customerIds: readonly number[]): Query {
  const p = new Parameters();
  const text = `SELECT ${SUMMARY_COLUMNS} FROM accounts a
    WHERE a.customer_id IN (${p.list(customerIds)}) ORDER BY a.customer_id, a.created_at, a.id`;
  return { text, values: p.values };
}
