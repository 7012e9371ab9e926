/**
 * The one storage interface. It speaks the contract's shapes and plain values: no HTTP, no SQL
 * dialect, no driver types. Every method is async so that SQLite and PostgreSQL fit behind it.
 */
import type {
  Account,
  CreateAccountCriteria,
  CreateCustomerCriteria,
  Customer,
  UpdateAccountCriteria,
} from '../domain/model.js';

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

export type NewAccount = CreateAccountCriteria & { accountNumber: string };

/** Limits a list to some customers of the platform (a restricted credential). */
export interface CustomerScope {
  customerIdentifiers: readonly string[] | null;
}

/** Thrown by a store when a write would break a uniqueness rule. */
export class UniqueViolation extends Error {
  constructor(readonly target: 'platform' | 'customer' | 'account' | 'accountNumber' | 'keyId') {
    super(`unique violation: ${target}`);
    this.name = 'UniqueViolation';
  }
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Resolves when the database answers; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;

  createPlatform(name: string, now: Date): Promise<Platform>;
  findPlatform(name: string): Promise<Platform | undefined>;
  listPlatforms(): Promise<Platform[]>;
  addCredential(credential: NewCredential, now: Date): Promise<void>;
  listCredentials(platformName?: string): Promise<CredentialInfo[]>;
  /** The active (not revoked) credentials of a platform, for authentication. */
  activeCredentials(platformName: string): Promise<StoredCredential[]>;
  /** Returns false when no active credential has that key id. */
  revokeCredential(keyId: string, now: Date): Promise<boolean>;

  insertCustomer(platformId: number, customer: CreateCustomerCriteria, now: Date): Promise<Customer>;
  findCustomer(platformId: number, customerIdentifier: string): Promise<Customer | undefined>;
  listCustomers(platformId: number, scope: CustomerScope): Promise<Customer[]>;

  /** Returns undefined when the customer does not exist on the platform. */
  insertAccount(
    platformId: number,
    customerIdentifier: string,
    account: NewAccount,
    now: Date,
  ): Promise<Account | undefined>;
  findAccount(
    platformId: number,
    accountIdentifier: string,
  ): Promise<{ account: Account; customerIdentifier: string } | undefined>;
  /** All accounts of the platform in creation order, or of one customer, or of the scope's customers. */
  listAccounts(platformId: number, scope: CustomerScope & { customerIdentifier?: string }): Promise<Account[]>;
  /** Returns undefined when the account does not exist on the platform. */
  updateAccount(
    platformId: number,
    accountIdentifier: string,
    patch: UpdateAccountCriteria,
  ): Promise<Account | undefined>;
}
