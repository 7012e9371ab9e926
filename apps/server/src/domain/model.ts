/**
 * Names for the contract's shapes. They come from the types generated from the spec; nothing here
 * re-declares a field, so a change to the spec reaches every layer through the compiler.
 */
import type { components, operations } from '../generated/api.js';

type Schemas = components['schemas'];

export type Customer = Schemas['Customer'];
export type AccountSummary = Schemas['AccountSummary'];
export type Account = Schemas['Account'];
export type CreateCustomerCriteria = Schemas['CreateCustomerCriteria'];
export type CreateAccountCriteria = Schemas['CreateAccountCriteria'];
export type UpdateAccountCriteria = Schemas['UpdateAccountCriteria'];
export type CurrencyCode = Schemas['CurrencyCode'];
export type AccountStatus = Schemas['AccountStatus'];
export type FundingNotification = Schemas['FundingNotification'];
export type ErrorInfo = Schemas['ErrorInfo'];

export type OperationId = keyof operations;

/** Who is calling: resolved from the Basic credentials by the auth layer, trusted by the domain. */
export interface Principal {
  readonly platformId: number;
  readonly platformName: string;
  readonly keyId: string;
  /** A read-only credential may not create or update (403.017). */
  readonly readOnly: boolean;
  /** When set, the credential may only touch these customers (403.007 for any other). */
  readonly allowedCustomers: ReadonlySet<string> | null;
}

export type ListCustomersQuery = NonNullable<operations['listCustomers']['parameters']['query']>;
export type ListAccountsQuery = NonNullable<operations['listAccounts']['parameters']['query']>;
export type CustomerPage = Schemas['CustomerPage'];
export type AccountPage = Schemas['AccountPage'];
