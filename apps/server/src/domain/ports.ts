/**
 * The ports the domain needs, owned by the domain: the storage interfaces (split by concern), the
 * list filters and windows, and the errors a store may throw. They speak the contract's shapes and
 * plain values: no HTTP, no SQL dialect, no driver types. Every method is async so that SQLite and
 * PostgreSQL fit behind them. Nothing here decides a default: what a store writes was decided by
 * the domain (defaults.ts).
 */
import type {
  Account,
  AccountStatus,
  CreateAccountCriteria,
  CreateCustomerCriteria,
  CurrencyCode,
  Customer,
  FundingNotification,
  UpdateAccountCriteria,
} from './model.js';

export interface Platform {
  id: number;
  name: string;
  createdAt: string;
}

export interface CredentialInfo {
  keyId: string;
  platformName: string;
  label: string | null;
  readOnly: boolean;
  /** null: every customer of the platform. */
  allowedCustomers: string[] | null;
  createdAt: string;
  revokedAt: string | null;
}

/** What authentication needs: an active credential with the hash of its key. */
export interface StoredCredential {
  keyId: string;
  platformId: number;
  platformName: string;
  keyHash: string;
  readOnly: boolean;
  allowedCustomers: string[] | null;
}

export interface NewCredential {
  platformId: number;
  keyId: string;
  keyHash: string;
  label: string | null;
  readOnly: boolean;
  allowedCustomers: string[] | null;
}

/** A customer as the domain decided it: the criteria and its first status. */
export type NewCustomer = CreateCustomerCriteria & { status: string };

/** An account as the domain decided it: every default applied, its number drawn. */
export type NewAccount = Omit<CreateAccountCriteria, 'currencyCode' | 'fundingNotification'> & {
  accountNumber: string;
  currencyCode: CurrencyCode;
  fundingNotification: FundingNotification[];
  status: AccountStatus;
};

/** Limits a list to some customers of the platform (a restricted credential). */
export interface CustomerScope {
  customerIdentifiers: readonly string[] | null;
}

/** Where a row stands in creation order (created_at, then id): the keyset of every list. */
export interface Position {
  createdAt: number;
  id: number;
}

export interface Positioned<T> {
  item: T;
  position: Position;
}

/** Which rows of a list, in creation order: the first `limit`, or the `limit` nearest after or before a position. */
export interface ListWindow {
  after?: Position;
  before?: Position;
  limit: number;
}

/** Account filters, combined with AND; bounds are inclusive; times are epoch milliseconds. */
export interface AccountFilters {
  accountIdentifier?: string;
  accountNumber?: string;
  displayName?: string;
  status?: string;
  contactEmail?: string;
  currencyCodes?: readonly string[];
  minBalanceMinor?: number;
  maxBalanceMinor?: number;
  minCreatedAt?: number;
  maxCreatedAt?: number;
}

/** Customer filters; `accounts` matches a customer when at least one of its accounts matches. */
export interface CustomerFilters {
  displayName?: string;
  status?: string;
  minCreatedAt?: number;
  maxCreatedAt?: number;
  accounts?: AccountFilters;
}

/**
 * Thrown by a store when a write would break a uniqueness rule: which rule, in the domain's words
 * (the store translates its constraint names into these in one place).
 */
export class UniqueViolation extends Error {
  constructor(readonly target: 'platform' | 'customer' | 'account' | 'accountDisplayName' | 'accountNumber' | 'keyId' | 'keyHash') {
    super(`unique violation: ${target}`);
    this.name = 'UniqueViolation';
  }
}

/** Thrown by a store when its database cannot be reached: the request answers 503, the process lives on. */
export class StoreUnavailable extends Error {
  constructor(cause: unknown) {
    super('the database is unavailable', { cause });
    this.name = 'StoreUnavailable';
  }
}

/** Server-wide settings (the cursor key). */
export interface SettingStore {
  /** A server-wide setting, created from `initial` the first time (the same for every instance). */
  setting(name: string, initial: () => string): Promise<string>;
}

/** Platforms and their credentials: what authentication and the operator commands need. */
export interface PlatformStore {
  createPlatform(name: string, now: Date): Promise<Platform>;
  findPlatform(name: string): Promise<Platform | undefined>;
  listPlatforms(): Promise<Platform[]>;
  addCredential(credential: NewCredential, now: Date): Promise<void>;
  listCredentials(platformName?: string): Promise<CredentialInfo[]>;
  /** The active (not revoked) credentials of a platform, for authentication. */
  activeCredentials(platformName: string): Promise<StoredCredential[]>;
  /** Returns false when no active credential has that key id. */
  revokeCredential(keyId: string, now: Date): Promise<boolean>;
}

/** Customers and their accounts: what the rules of customers-and-accounts need. */
export interface CustomerStore {
  insertCustomer(platformId: number, customer: NewCustomer, now: Date): Promise<Customer>;
  findCustomer(platformId: number, customerIdentifier: string): Promise<Customer | undefined>;
  /** Whether the customer exists, without reading its accounts. */
  customerExists(platformId: number, customerIdentifier: string): Promise<boolean>;
  /** A window of the platform's customers that match, always in ascending creation order. */
  listCustomers(platformId: number, scope: CustomerScope, filters: CustomerFilters, window: ListWindow): Promise<Positioned<Customer>[]>;

  /** Returns undefined when the customer does not exist on the platform. */
  insertAccount(platformId: number, customerIdentifier: string, account: NewAccount, now: Date): Promise<Account | undefined>;
  findAccount(platformId: number, accountIdentifier: string): Promise<{ account: Account; customerIdentifier: string } | undefined>;
  /** A window of the platform's (or one customer's) accounts that match, in ascending creation order. */
  listAccounts(
    platformId: number,
    scope: CustomerScope & { customerIdentifier?: string },
    filters: AccountFilters,
    window: ListWindow,
  ): Promise<Positioned<Account>[]>;
  /** Returns undefined when the account does not exist on the platform. */
  updateAccount(platformId: number, accountIdentifier: string, patch: UpdateAccountCriteria): Promise<Account | undefined>;
}

/** Every port, over one database. */
export interface Store extends SettingStore, PlatformStore, CustomerStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Resolves when the database answers; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
