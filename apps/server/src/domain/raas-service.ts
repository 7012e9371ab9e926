/**
 * The rules of customers and accounts: ownership (a platform sees only its own data, a restricted
 * credential only its customers), who may write, uniqueness, and account numbers. It knows neither
 * HTTP nor SQL: it takes a Principal and the contract's shapes, and throws ApiError.
 */
import { randomInt } from 'node:crypto';
import { type Store, UniqueViolation } from '../store/store.js';
import { ApiError } from './errors.js';
import type {
  Account,
  CreateAccountCriteria,
  CreateCustomerCriteria,
  Customer,
  Principal,
  UpdateAccountCriteria,
} from './model.js';

/** `A` followed by 8 digits, like the real platform's account numbers. */
export function newAccountNumber(): string {
  return `A${randomInt(0, 100_000_000).toString().padStart(8, '0')}`;
}

/** Collisions are rare (10^8 numbers); a few retries make a failure practically impossible. */
const ACCOUNT_NUMBER_ATTEMPTS = 8;

export class RaasService {
  constructor(
    private readonly store: Store,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  listCustomers(principal: Principal): Promise<Customer[]> {
    return this.store.listCustomers(principal.platformId, scopeOf(principal));
  }

  async createCustomer(principal: Principal, criteria: CreateCustomerCriteria): Promise<Customer> {
    assertMayWrite(principal);
    assertMayTouch(principal, criteria.customerIdentifier);
    try {
      return await this.store.insertCustomer(principal.platformId, criteria, this.clock());
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

  async listCustomerAccounts(principal: Principal, customerIdentifier: string): Promise<Account[]> {
    assertMayTouch(principal, customerIdentifier);
    const customer = await this.store.findCustomer(principal.platformId, customerIdentifier);
    if (!customer) throw new ApiError('404.002');
    return this.store.listAccounts(principal.platformId, { customerIdentifiers: null, customerIdentifier });
  }

  async createCustomerAccount(
    principal: Principal,
    customerIdentifier: string,
    criteria: CreateAccountCriteria,
  ): Promise<Account> {
    assertMayWrite(principal);
    assertMayTouch(principal, customerIdentifier);
    for (let attempt = 1; ; attempt++) {
      try {
        const account = await this.store.insertAccount(
          principal.platformId,
          customerIdentifier,
          { ...criteria, accountNumber: newAccountNumber() },
          this.clock(),
        );
        if (!account) throw new ApiError('404.002');
        return account;
      } catch (error) {
        if (!(error instanceof UniqueViolation)) throw error;
        if (error.target === 'account') throw new ApiError('409.018', { id: criteria.accountIdentifier });
        if (error.target !== 'accountNumber' || attempt === ACCOUNT_NUMBER_ATTEMPTS) throw error;
      }
    }
  }

  async updateCustomerAccount(
    principal: Principal,
    customerIdentifier: string,
    accountIdentifier: string,
    patch: UpdateAccountCriteria,
  ): Promise<Account> {
    assertMayWrite(principal);
    await this.#accountOfCustomer(principal, customerIdentifier, accountIdentifier);
    const account = await this.store.updateAccount(principal.platformId, accountIdentifier, patch);
    if (!account) throw new ApiError('404.016');
    return account;
  }

  listAccounts(principal: Principal): Promise<Account[]> {
    return this.store.listAccounts(principal.platformId, scopeOf(principal));
  }

  async getAccount(principal: Principal, accountIdentifier: string): Promise<Account> {
    const found = await this.store.findAccount(principal.platformId, accountIdentifier);
    if (!found) throw new ApiError('404.016');
    assertMayTouch(principal, found.customerIdentifier);
    return found.account;
  }

  async #accountOfCustomer(
    principal: Principal,
    customerIdentifier: string,
    accountIdentifier: string,
  ): Promise<Account> {
    assertMayTouch(principal, customerIdentifier);
    const customer = await this.store.findCustomer(principal.platformId, customerIdentifier);
    if (!customer) throw new ApiError('404.002');
    const found = await this.store.findAccount(principal.platformId, accountIdentifier);
    if (!found) throw new ApiError('404.016');
    if (found.customerIdentifier !== customerIdentifier) throw new ApiError('404.020');
    return found.account;
  }
}

function scopeOf(principal: Principal): { customerIdentifiers: readonly string[] | null } {
  return { customerIdentifiers: principal.allowedCustomers && [...principal.allowedCustomers] };
}

function assertMayWrite(principal: Principal): void {
  if (principal.readOnly) throw new ApiError('403.017');
}

function assertMayTouch(principal: Principal, customerIdentifier: string): void {
  if (principal.allowedCustomers && !principal.allowedCustomers.has(customerIdentifier)) {
    throw new ApiError('403.007');
  }
}
