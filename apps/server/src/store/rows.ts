/**
 * Rows as both databases return them (one schema), and their mapping to the contract's shapes:
 * adding a column touches its migration and its mapping here. Timestamps are epoch milliseconds;
 * balances are minor units.
 */
import type { Account, AccountSummary, Customer, FundingNotification } from '../domain/model.js';
import type { CredentialInfo, Position, Positioned, StoredCredential } from '../domain/ports.js';

export interface CustomerRow {
  id: number;
  customer_identifier: string;
  display_name: string;
  status: string;
  created_at: number;
}

export interface AccountRow {
  id: number;
  customer_id: number;
  customer_identifier: string;
  account_identifier: string;
  account_number: string;
  display_name: string;
  currency_code: Account['currencyCode'];
  current_balance_minor: number;
  contact_email: string;
  funding_notification: string;
  status: Account['status'];
  created_at: number;
}

/** An account as a customer lists it (list-sql.ts's SUMMARY_COLUMNS). */
export type SummaryRow = Pick<
  AccountRow,
  'customer_id' | 'account_identifier' | 'account_number' | 'display_name' | 'currency_code' | 'status' | 'created_at'
>;

export interface CredentialRow {
  key_id: string;
  platform_id: number;
  platform_name: string;
  key_hash: string;
  label: string | null;
  /** 0/1 in SQLite, a boolean in PostgreSQL. */
  read_only: number | boolean;
  allowed_customers: string | null;
  created_at: number;
  revoked_at: number | null;
  /** The platform's sandbox_throwaway (0/1 in SQLite). */
  throw_away?: number | boolean;
}

/**
 * Epoch milliseconds as ISO 8601. Lists read the same rows again and again, and formatting a date
 * was the largest cost of a list after SQLite itself: the strings are kept (a bounded memo).
 */
const isoStrings = new Map<number, string>();
export function iso(ms: number): string {
  let text = isoStrings.get(ms);
  if (text === undefined) {
    text = new Date(ms).toISOString();
    if (isoStrings.size >= 16_384) isoStrings.clear();
    isoStrings.set(ms, text);
  }
  return text;
}

export function toAccount(row: AccountRow): Account {
  return {
    accountIdentifier: row.account_identifier,
    accountNumber: row.account_number,
    displayName: row.display_name,
    currencyCode: row.currency_code,
    currentBalance: row.current_balance_minor / 100,
    createdAt: iso(row.created_at),
    status: row.status,
    contactEmail: row.contact_email,
    fundingNotification: JSON.parse(row.funding_notification) as FundingNotification[],
  };
}

function toSummary(row: SummaryRow): AccountSummary {
  return {
    accountIdentifier: row.account_identifier,
    accountNumber: row.account_number,
    displayName: row.display_name,
    currencyCode: row.currency_code,
    createdAt: iso(row.created_at),
    status: row.status,
  };
}

export function toCustomer(row: CustomerRow, accounts: AccountSummary[]): Customer {
  return {
    customerIdentifier: row.customer_identifier,
    displayName: row.display_name,
    status: row.status,
    createdAt: iso(row.created_at),
    accounts,
  };
}

export function toCredentialInfo(row: CredentialRow): CredentialInfo {
  return {
    keyId: row.key_id,
    platformName: row.platform_name,
    label: row.label,
    readOnly: Boolean(row.read_only),
    allowedCustomers: row.allowed_customers === null ? null : (JSON.parse(row.allowed_customers) as string[]),
    createdAt: iso(row.created_at),
    revokedAt: row.revoked_at === null ? null : iso(row.revoked_at),
  };
}

export function toStoredCredential(row: CredentialRow): StoredCredential {
  return {
    keyId: row.key_id,
    platformId: row.platform_id,
    platformName: row.platform_name,
    keyHash: row.key_hash,
    readOnly: Boolean(row.read_only),
    allowedCustomers: row.allowed_customers === null ? null : (JSON.parse(row.allowed_customers) as string[]),
    throwAway: Boolean(row.throw_away),
  };
}

/** Groups a platform's accounts (in creation order) under their customers: two queries, never N+1. */
export function customersWithAccounts(customers: CustomerRow[], accounts: Iterable<SummaryRow>): Customer[] {
  const summaries = new Map<number, AccountSummary[]>(customers.map((row) => [row.id, []]));
  for (const account of accounts) summaries.get(account.customer_id)?.push(toSummary(account));
  return customers.map((row) => toCustomer(row, summaries.get(row.id) ?? []));
}

const positionOf = (row: { created_at: number; id: number }): Position => ({ createdAt: row.created_at, id: row.id });

/** A window's rows arrive nearest-first; lists are always returned in creation order. */
export function inCreationOrder<Row>(rows: Row[], descending: boolean): Row[] {
  return descending ? rows.reverse() : rows;
}

export function positionedCustomers(customers: CustomerRow[], accounts: Iterable<SummaryRow>): Positioned<Customer>[] {
  return customersWithAccounts(customers, accounts).map((item, index) => ({ item, position: positionOf(customers[index]!) }));
}

export const positionedAccount = (row: AccountRow): Positioned<Account> => ({ item: toAccount(row), position: positionOf(row) });
