/**
 * The rules of customers and accounts: ownership (a platform sees only its own data, a restricted
 * credential only its customers), who may write, uniqueness, and account numbers. It knows neither
 * HTTP nor SQL: it takes a Principal and the contract's shapes, and throws ApiError.
 */
import { randomInt } from 'node:crypto';
import { defaults } from './defaults.js';
import { assertAccountOfCustomer, assertCustomer, assertMayTouch, assertMayWrite, mayTouch, scopeOf } from './access.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { type CustomerStore, type FundingStore, type SettingStore, UniqueViolation } from './ports.js';
import { type CursorCodec, type CursorScope, cursorCodecOf } from './cursors.js';
import { ApiError } from './errors.js';
import { accountFilters, customerFilters, filtersOf } from './filters.js';
import type {
  Account,
  AccountPage,
  CreateAccountCriteria,
  CreateCustomerCriteria,
  Customer,
  CustomerPage,
  ListAccountsQuery,
  ListCustomersQuery,
  Principal,
  UpdateAccountCriteria,
} from './model.js';
import { type FetchWindow, type Page, type PageQuery, everything, pageOf } from './paging.js';

/** `A` followed by 8 digits, like the real platform's account numbers. */
export function newAccountNumber(): string {
  return `A${randomInt(0, 100_000_000).toString().padStart(8, '0')}`;
}

/** Collisions are rare (10^8 numbers); a few retries make a failure practically impossible. */
export const ACCOUNT_NUMBER_ATTEMPTS = 8;

export class RaasService {
  readonly #cursors: () => Promise<CursorCodec>;

  constructor(
    private readonly store: CustomerStore & SettingStore & Pick<FundingStore, 'settleDueDeposits'>,
    private readonly clock: Clock = systemClock,
    /** The cursor codec, shared with the other lists (one key read). */
    cursors: () => Promise<CursorCodec> = cursorCodecOf(store),
  ) {
    this.#cursors = cursors;
  }

  /** A balance about to be read includes every PENDING deposit decided by now. */
  #settle(principal: Principal): Promise<void> {
    return this.store.settleDueDeposits(principal.platformId, this.clock.now(principal.platformId));
  }

  /** A stream of account batches that settles due deposits before its first read. */
  async *#settled(principal: Principal, batches: AsyncIterable<Account[]>): AsyncGenerator<Account[]> {
    await this.#settle(principal);
    yield* batches;
  }

  #customerWindows(principal: Principal, query: ListCustomersQuery): FetchWindow<Customer> {
    const filters = customerFilters(query);
    return (window) => this.store.listCustomers(principal.platformId, scopeOf(principal), filters, window);
  }

  #accountWindows(principal: Principal, query: ListAccountsQuery, customerIdentifier?: string): FetchWindow<Account> {
    const filters = accountFilters(query);
    const scope = customerIdentifier === undefined ? scopeOf(principal) : { customerIdentifiers: null, customerIdentifier };
    return (window) => this.store.listAccounts(principal.platformId, scope, filters, window);
  }

  /** One page of a list; its cursors are bound to the platform, the list and the filters. */
  async #page<T>(principal: Principal, list: string, query: PageQuery, windows: FetchWindow<T>): Promise<Page<T>> {
    const scope: CursorScope = { platformId: principal.platformId, list, filters: filtersOf(query) };
    return pageOf(await this.#cursors(), scope, query, windows);
  }

  customerPage(principal: Principal, query: ListCustomersQuery): Promise<CustomerPage> {
    return this.#page(principal, 'customers', query, this.#customerWindows(principal, query));
  }

  /** Every matching customer, in bounded batches. */
  allCustomers(principal: Principal, query: ListCustomersQuery): AsyncIterable<Customer[]> {
    return everything(this.#customerWindows(principal, query));
  }

  async accountPage(principal: Principal, query: ListAccountsQuery): Promise<AccountPage> {
    await this.#settle(principal);
    return this.#page(principal, 'accounts', query, this.#accountWindows(principal, query));
  }

  allAccounts(principal: Principal, query: ListAccountsQuery): AsyncIterable<Account[]> {
    return this.#settled(principal, everything(this.#accountWindows(principal, query)));
  }

  async customerAccountPage(principal: Principal, customerIdentifier: string, query: ListAccountsQuery): Promise<AccountPage> {
    await this.#assertCustomer(principal, customerIdentifier);
    await this.#settle(principal);
    const list = `customers/${customerIdentifier}/accounts`;
    return this.#page(principal, list, query, this.#accountWindows(principal, query, customerIdentifier));
  }

  /** Checks the customer first (403, 404), then streams its accounts. */
  async allCustomerAccounts(principal: Principal, customerIdentifier: string, query: ListAccountsQuery): Promise<AsyncIterable<Account[]>> {
    await this.#assertCustomer(principal, customerIdentifier);
    return this.#settled(principal, everything(this.#accountWindows(principal, query, customerIdentifier)));
  }

  #assertCustomer(principal: Principal, customerIdentifier: string): Promise<void> {
    return assertCustomer(this.store, principal, customerIdentifier);
  }

  async createCustomer(principal: Principal, criteria: CreateCustomerCriteria): Promise<Customer> {
    assertMayWrite(principal);
    assertMayTouch(principal, criteria.customerIdentifier);
    try {
      return await this.store.insertCustomer(
        principal.platformId,
        { ...criteria, status: defaults.customerStatus },
        this.clock.now(principal.platformId),
      );
    } catch (error) {
      if (error instanceof UniqueViolation && error.target === 'customer') {
        throw new ApiError('409.012', { id: criteria.customerIdentifier });
      }
      throw error;
    }
  }

  async getCustomer(principal: Principal, customerIdentifier: string): Promise<Customer> {
    assertMayTouch(principal, customerIdentifier);
    const customer = await this.store.findCustomer(principal.platformId, customerIdentifier);
    if (!customer) throw new ApiError('404.002');
    return customer;
  }

  async createCustomerAccount(principal: Principal, customerIdentifier: string, criteria: CreateAccountCriteria): Promise<Account> {
    assertMayWrite(principal);
    assertMayTouch(principal, customerIdentifier);
    for (let attempt = 1; ; attempt++) {
      try {
        const account = await this.store.insertAccount(
          principal.platformId,
          customerIdentifier,
          {
            ...criteria,
            accountNumber: newAccountNumber(),
            currencyCode: criteria.currencyCode ?? defaults.currencyCode,
            fundingNotification: criteria.fundingNotification ?? defaults.fundingNotification(),
            status: defaults.accountStatus,
          },
          this.clock.now(principal.platformId),
        );
        if (!account) throw new ApiError('404.002');
        return account;
      } catch (error) {
        if (!(error instanceof UniqueViolation)) throw error;
        if (error.target === 'account') throw new ApiError('409.018', { id: criteria.accountIdentifier });
        if (error.target === 'accountDisplayName') throw await this.#accountConflict(principal, criteria);
        if (error.target !== 'accountNumber' || attempt === ACCOUNT_NUMBER_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * The name is taken. When the identifier is taken too, the identifier's 409.018 is the answer
   * (the database may report either constraint first).
   */
  async #accountConflict(principal: Principal, criteria: CreateAccountCriteria): Promise<ApiError> {
    const taken = await this.store.findAccount(principal.platformId, criteria.accountIdentifier);
    return taken ? new ApiError('409.018', { id: criteria.accountIdentifier }) : new ApiError('409.017', { name: criteria.displayName });
  }

  async updateCustomerAccount(
    principal: Principal,
    customerIdentifier: string,
    accountIdentifier: string,
    patch: UpdateAccountCriteria,
  ): Promise<Account> {
    assertMayWrite(principal);
    await assertAccountOfCustomer(this.store, principal, customerIdentifier, accountIdentifier);
    await this.#settle(principal);
    try {
      const account = await this.store.updateAccount(principal.platformId, accountIdentifier, patch);
      if (!account) throw new ApiError('404.016');
      return account;
    } catch (error) {
      if (error instanceof UniqueViolation && error.target === 'accountDisplayName') {
        throw new ApiError('409.017', { name: patch.displayName });
      }
      throw error;
    }
  }

  async getAccount(principal: Principal, accountIdentifier: string): Promise<Account> {
    await this.#settle(principal);
    const found = await this.#visibleAccount(principal, accountIdentifier);
    if (!found) throw new ApiError('404.016');
    return found.account;
  }

  /**
   * The account, unless the credential may not see its customer: then it does not exist for this
   * credential, and answers exactly as a made-up identifier would (a 403 would confirm it exists).
   */
  async #visibleAccount(
    principal: Principal,
    accountIdentifier: string,
  ): Promise<{ account: Account; customerIdentifier: string } | undefined> {
    const found = await this.store.findAccount(principal.platformId, accountIdentifier);
    return found && mayTouch(principal, found.customerIdentifier) ? found : undefined;
  }
}
