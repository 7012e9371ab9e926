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
export type CreditCard = Schemas['CreditCard'];
export type CreditCardPage = Schemas['CreditCardPage'];
export type CreditCardStatus = Schemas['CreditCardStatus'];
export type CreateCreditCardCriteria = Schemas['CreateCreditCardCriteria'];
export type ContactInformation = Schemas['ContactInformation'];
export type CreditCardUnregisterCriteria = Schemas['CreditCardUnregisterCriteria'];
export type CreditCardUnregister = Schemas['CreditCardUnregister'];
export type CreditCardDepositCriteria = Schemas['CreditCardDepositCriteria'];
export type CreditCardDeposit = Schemas['CreditCardDeposit'];
export type DepositStatus = Schemas['DepositStatus'];
export type TransferFundsCriteria = Schemas['TransferFundsCriteria'];
export type TransferFunds = Schemas['TransferFunds'];
export type TransferAccount = Schemas['TransferAccount'];
export type LowBalanceAlert = Schemas['LowBalanceAlert'];
export type LowBalanceAlertPage = Schemas['LowBalanceAlertPage'];
export type LowBalanceAlertCriteria = Schemas['LowBalanceAlertCriteria'];
export type UpdateLowBalanceAlertCriteria = Schemas['UpdateLowBalanceAlertCriteria'];
export type LowBalanceAlertDeleted = Schemas['LowBalanceAlertDeleted'];

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
export type ListCreditCardsQuery = NonNullable<operations['listCreditCards']['parameters']['query']>;
export type ListBalanceAlertsQuery = NonNullable<operations['listBalanceAlerts']['parameters']['query']>;
export type CustomerPage = Schemas['CustomerPage'];
export type AccountPage = Schemas['AccountPage'];
