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
  ContactInformation,
  CreditCard,
  CreditCardStatus,
  DepositStatus,
  FundingNotification as AlertRecipient,
  LowBalanceAlert,
  CreateAccountCriteria,
  CreateCustomerCriteria,
  CurrencyCode,
  Customer,
  FundingNotification,
  UpdateAccountCriteria,
} from './model.js';
import type { components as SandboxComponents } from '../generated/sandbox.js';

type SandboxSchemas = SandboxComponents['schemas'];

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
  /** Of a sandbox throw-away platform: refused in production mode. */
  throwAway?: boolean;
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
  constructor(
    readonly target:
      | 'platform'
      | 'customer'
      | 'account'
      | 'accountDisplayName'
      | 'accountNumber'
      | 'keyId'
      | 'keyHash'
      | 'cardToken'
      | 'depositReference'
      | 'externalRefID'
      | 'alertId'
      | 'alertThreshold',
  ) {
    super(`unique violation: ${target}`);
    this.name = 'UniqueViolation';
  }
}

/**
 * A write named a platform that no longer exists: it was deleted (DELETE /sandbox/v1/platform)
 * after the request was authenticated. The request answers as unknown credentials do (401.501).
 */
export class PlatformGone extends Error {
  constructor() {
    super('the platform no longer exists');
    this.name = 'PlatformGone';
  }
}

/**
 * A write broke a foreign key: named a row that is not there. The driver's error is its cause
 * (`constraint` is PostgreSQL's name for it; SQLite names none). What it means is for the error
 * handling to tell (http/error-handler.ts): a sandbox platform deleted mid-request (401.501), or a
 * bug (500, logged).
 */
export class ForeignKeyViolation extends Error {
  constructor(
    readonly constraint: string | undefined,
    cause: unknown,
  ) {
    super(`foreign key violation${constraint ? `: ${constraint}` : ''}`, { cause });
    this.name = 'ForeignKeyViolation';
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
  /** `throwAway`: a sandbox throw-away platform, whose credentials production mode refuses. */
  createPlatform(name: string, now: Date, options?: { throwAway?: boolean }): Promise<Platform>;
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

/** An account as a funding transaction found it, locked until the transaction ends. */
export interface FundedAccount {
  id: number;
  customerIdentifier: string;
  accountIdentifier: string;
  accountNumber: string;
  displayName: string;
  currencyCode: CurrencyCode;
  status: AccountStatus;
  contactEmail: string;
  balanceMinor: number;
}

/** A card to register, as the domain decided it. */
export interface NewCard {
  token: string;
  label: string;
  lastFourDigits: string;
  expirationDate: string;
  contactInformation: ContactInformation[];
  status: CreditCardStatus;
  activationAt: number;
}

/** A registered card and whose it is. */
export interface StoredCard {
  card: CreditCard;
  accountId: number;
  activationAt: number;
}

export interface CardFilters {
  customerIdentifier?: string;
  accountIdentifier?: string;
  statuses: readonly CreditCardStatus[];
}

/** A deposit as the domain decided it. */
export interface NewDeposit {
  referenceDepositID: string;
  amountMinor: number;
  feeMinor: number;
  status: DepositStatus;
  /** What a PENDING deposit becomes at `resolveAt` (its own status otherwise). */
  resolvesTo: DepositStatus;
  resolveAt: number;
  externalRefID?: string;
}

export interface StoredDeposit {
  referenceDepositID: string;
  amountMinor: number;
  feeMinor: number;
  status: DepositStatus;
  externalRefID: string | null;
  createdAt: number;
  accountNumber: string;
  customerIdentifier: string;
}

/** What a deposit's rules look at, inside its transaction (the account locked). */
export interface DepositFacts {
  account: FundedAccount | undefined;
  /** The card with that token on the platform, whatever its account. */
  card: StoredCard | undefined;
  /** Whether the account already had a deposit with this externalRefID. */
  duplicate: boolean;
}

/** What a transfer's rules look at, inside its transaction (both accounts locked, in id order). */
export interface TransferFacts {
  from: FundedAccount | undefined;
  to: FundedAccount | undefined;
  /** Whether the source account already sent a transfer with this externalRefID. */
  duplicate: boolean;
}

export interface TransferRequest {
  transferFrom: string;
  transferTo: string;
  externalRefID?: string;
}

export interface NewTransfer {
  amountMinor: number;
  transferNotes?: string;
}

/** Both accounts before the transfer, and their balances after. */
export interface TransferDone {
  from: FundedAccount;
  to: FundedAccount;
  fromAfterMinor: number;
  toAfterMinor: number;
  createdAt: number;
}

/** Cards, deposits and transfers: every balance change writes its ledger entry in the same transaction. */
export interface FundingStore {
  /** Locks the account, counts its active cards, asks `decide` (which may throw), inserts the card. */
  registerCard(
    platformId: number,
    accountIdentifier: string,
    decide: (account: FundedAccount | undefined, activeCards: number) => NewCard,
    now: Date,
  ): Promise<StoredCard>;
  findCard(platformId: number, token: string): Promise<StoredCard | undefined>;
  listCards(platformId: number, scope: CustomerScope, filters: CardFilters, window: ListWindow): Promise<Positioned<CreditCard>[]>;
  /** Marks the account's ACTIVE card DELETED; false when it has no such card. */
  unregisterCard(platformId: number, accountIdentifier: string, token: string, now: Date): Promise<boolean>;
  /** Locks the account, asks `decide` (which may throw), writes the deposit and, on SUCCESS, its ledger entry. */
  deposit(
    platformId: number,
    request: { accountIdentifier: string; token: string; externalRefID?: string },
    decide: (facts: DepositFacts) => NewDeposit,
    now: Date,
  ): Promise<StoredDeposit>;
  findDeposit(platformId: number, referenceDepositID: string): Promise<StoredDeposit | undefined>;
  /**
   * Decides the platform's PENDING deposits due at `now`, in one transaction and exactly once
   * (a SUCCESS credits its account through a ledger entry); an indexed check when none is due.
   */
  settleDueDeposits(platformId: number, now: Date): Promise<void>;
  /** Settles the deposits due by `now` when any are, locks both accounts in id order, asks `decide` (which may throw), moves the money. */
  transfer(platformId: number, request: TransferRequest, decide: (facts: TransferFacts) => NewTransfer, now: Date): Promise<TransferDone>;
}

export interface NewAlert {
  balanceAlertID: string;
  balanceAlertDisplayName: string;
  thresholdMinor: number;
  balanceAlertNotification: AlertRecipient[];
}

export interface AlertPatch {
  balanceAlertDisplayName?: string;
  thresholdMinor?: number;
  balanceAlertNotification?: AlertRecipient[];
}

/** An alert as stored: the path it lives under (customer, account) is the caller's. */
export type StoredAlert = Omit<LowBalanceAlert, 'customerIdentifier' | 'accountIdentifier'>;

/** Low-balance alerts of an account (found by its platform and identifier). */
export interface AlertStore {
  /** Returns undefined when the account does not exist on the platform. */
  insertAlert(platformId: number, accountIdentifier: string, alert: NewAlert, now: Date): Promise<StoredAlert | undefined>;
  alertPage(
    platformId: number,
    accountIdentifier: string,
    offset: number,
    limit: number,
  ): Promise<{ total: number; alerts: StoredAlert[] }>;
  findAlert(platformId: number, accountIdentifier: string, balanceAlertID: string): Promise<StoredAlert | undefined>;
  updateAlert(platformId: number, accountIdentifier: string, balanceAlertID: string, patch: AlertPatch): Promise<StoredAlert | undefined>;
  deleteAlert(platformId: number, accountIdentifier: string, balanceAlertID: string): Promise<boolean>;
}

/** An account whose balance is not the sum of its ledger entries (or whose entries do not add up). */
export interface LedgerDifference {
  platformName: string;
  accountIdentifier: string;
  balanceMinor: number;
  entriesMinor: number;
  /** Entries whose balance_after is not the running sum. */
  brokenEntries: number;
}

export interface LedgerStore {
  /** How many accounts were checked, and every one that differs. */
  verifyLedger(): Promise<{ accounts: number; entries: number; differences: LedgerDifference[] }>;
}

/** How many rows of each platform-scoped table a platform has, by table name. */
export type PlatformRows = Record<string, number>;

/** A customer of a seed fixture as the domain decided it: defaults applied, numbers drawn, times fixed. */
export interface SeedCustomer extends NewCustomer {
  createdAt: Date;
  accounts: (NewAccount & {
    createdAt: Date;
    balanceMinor: number;
    creditCards: { token: string; label: string; lastFourDigits: string; expirationDate: string }[];
  })[];
}

/** The sandbox state of a platform besides its data: its clock and its rate limit. */
export interface SandboxSettings {
  /** How far the platform's clock is ahead of the server's. */
  clockOffsetMs: number;
  /** 0: no limit; otherwise the API requests a second the platform may make. */
  requestsPerSecond: number;
}

/** What answers in place of an operation, and a fault rule as kept: the control spec's shapes. */
export type FaultAnswer = SandboxSchemas['FaultAnswer'];
export type StoredFaultRule = SandboxSchemas['FaultRule'];
export type NewFaultRule = Omit<StoredFaultRule, 'remaining' | 'createdAt'>;

/**
 * The sandbox controls' storage: the platform's data as a whole (reset, snapshot, restore, seed,
 * each one transaction), account statuses, the clock, the rate limit, the fault rules, and a
 * throw-away platform's deletion.
 */
export interface SandboxStore {
  resetPlatform(platformId: number): Promise<PlatformRows>;
  takeSnapshot(platformId: number, snapshotId: string, now: Date): Promise<PlatformRows>;
  /** Undefined when the platform has no such snapshot. */
  restoreSnapshot(platformId: number, snapshotId: string): Promise<{ createdAt: string; rows: PlatformRows } | undefined>;
  /** Whether the platform had that snapshot (now removed). */
  deleteSnapshot(platformId: number, snapshotId: string): Promise<boolean>;
  seedPlatform(platformId: number, customers: readonly SeedCustomer[]): Promise<PlatformRows>;
  /** Undefined when the platform has no such account. */
  setAccountStatus(platformId: number, accountIdentifier: string, status: AccountStatus): Promise<Account | undefined>;
  /** Adds a signed amount to the balance with its `adjustment` ledger entry; 'overdrawn' (nothing changed) below 0. */
  adjustBalance(
    platformId: number,
    accountIdentifier: string,
    adjustment: { amountMinor: number; reference: string },
    now: Date,
  ): Promise<Account | 'overdrawn' | undefined>;
  /** Makes a PENDING deposit due now with that outcome (settleDueDeposits applies it). */
  decideDeposit(
    platformId: number,
    referenceDepositID: string,
    status: 'SUCCESS' | 'DECLINED',
    now: Date,
  ): Promise<'decided' | 'not-pending' | undefined>;
  /**
   * The settings of the credential's platform; undefined when the credential is no longer active
   * (revoked, or its platform deleted, since the credentials were read).
   */
  sandboxSettings(credential: { platformId: number; keyId: string }): Promise<SandboxSettings | undefined>;
  setClockOffset(platformId: number, offsetMs: number): Promise<void>;
  /** Moves the offset forward atomically; the new offset, or undefined (nothing changed) when it would pass `maxOffsetMs`. */
  advanceClockOffset(platformId: number, milliseconds: number, maxOffsetMs: number): Promise<number | undefined>;
  setRequestsPerSecond(platformId: number, requestsPerSecond: number): Promise<void>;
  /**
   * Deletes a throw-away platform with everything it has (data, credentials, snapshots, fault
   * rules, clock, rate limit), in one transaction; 'not-throw-away' (nothing changed) for any
   * other platform, undefined when it no longer exists.
   */
  deletePlatform(platformId: number): Promise<'deleted' | 'not-throw-away' | undefined>;
  /** Whether an API request may pass the rate limit at `nowMs` (it is counted when it does), on every instance alike. */
  passRateLimit(platformId: number, nowMs: number, intervalMs: number): Promise<boolean>;
  addFaultRule(platformId: number, rule: NewFaultRule, now: Date): Promise<StoredFaultRule>;
  /** The platform's rules (of one operation, when given, that may still fire), oldest first. */
  faultRules(platformId: number, operationId?: string): Promise<StoredFaultRule[]>;
  deleteFaultRules(platformId: number): Promise<number>;
  /** Counts one more match of the rule: its number (1 for the first), or undefined once it has no times left. */
  countFaultMatch(platformId: number, faultId: string): Promise<number | undefined>;
  /** Takes one of the rule's times, atomically across instances: false when none is left. */
  consumeFault(platformId: number, faultId: string): Promise<boolean>;
}

/** Every port, over one database. */
export interface Store extends SettingStore, PlatformStore, CustomerStore, FundingStore, AlertStore, LedgerStore, SandboxStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Resolves when the database answers; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
