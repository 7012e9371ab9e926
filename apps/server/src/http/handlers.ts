/**
 * The handlers of the contract's operations, one per operationId (see operations.ts). Each is
 * thin: take the validated, typed input, call the domain, return the typed answer.
 */
import type { AlertService } from '../domain/alert-service.js';
import type { FundingService } from '../domain/funding-service.js';
import type { RaasService } from '../domain/raas-service.js';
import { writtenNumber } from './body.js';
import type { Handlers } from './operations.js';

export interface Services {
  raas: RaasService;
  funding: FundingService;
  alerts: AlertService;
}

export function operationHandlers({ raas: service, funding, alerts }: Services): Handlers {
  return {
    listCustomers: async ({ query, principal }) =>
      query.paginate
        ? { status: 200, body: await service.customerPage(principal, query) }
        : { status: 200, stream: service.allCustomers(principal, query) },

    createCustomer: async ({ body, principal }) => ({ status: 201, body: await service.createCustomer(principal, body) }),

    getCustomer: async ({ path, principal }) => ({ status: 200, body: await service.getCustomer(principal, path.customerIdentifier) }),

    listCustomerAccounts: async ({ path, query, principal }) =>
      query.paginate
        ? { status: 200, body: await service.customerAccountPage(principal, path.customerIdentifier, query) }
        : { status: 200, stream: await service.allCustomerAccounts(principal, path.customerIdentifier, query) },

    createCustomerAccount: async ({ path, body, principal }) => ({
      status: 201,
      body: await service.createCustomerAccount(principal, path.customerIdentifier, body),
    }),

    updateCustomerAccount: async ({ path, body, principal }) => ({
      status: 200,
      body: await service.updateCustomerAccount(principal, path.customerIdentifier, path.accountIdentifier, body),
    }),

    listAccounts: async ({ query, principal }) =>
      query.paginate
        ? { status: 200, body: await service.accountPage(principal, query) }
        : { status: 200, stream: service.allAccounts(principal, query) },

    getAccount: async ({ path, principal }) => ({ status: 200, body: await service.getAccount(principal, path.accountIdentifier) }),

    listCreditCards: async ({ query, principal }) =>
      query.paginate
        ? { status: 200, body: await funding.cardPage(principal, query) }
        : { status: 200, stream: funding.allCards(principal, query) },

    createCreditCard: async ({ body, principal }) => ({ status: 201, body: await funding.registerCard(principal, body) }),

    getCreditCard: async ({ path, principal }) => ({ status: 200, body: await funding.getCard(principal, path.token) }),

    createCreditCardUnregister: async ({ body, principal }) => ({ status: 200, body: await funding.unregisterCard(principal, body) }),

    // Amounts are read as written (their decimals counted in the text), not as parsed doubles.
    createCreditCardDeposit: async ({ body, principal }) => ({
      status: 200,
      body: await funding.deposit(principal, body, writtenNumber(body, 'amount')),
    }),

    getCreditCardDeposit: async ({ path, principal }) => ({
      status: 200,
      body: await funding.getDeposit(principal, path.referenceDepositID),
    }),

    transferFunds: async ({ body, principal }) => ({
      status: 200,
      body: await funding.transfer(principal, body, writtenNumber(body, 'amount')),
    }),

    listBalanceAlerts: async ({ path, query, principal }) => ({ status: 200, body: await alerts.page(principal, path, query) }),

    setLowBalanceAlert: async ({ path, body, principal }) => ({
      status: 200,
      body: await alerts.set(principal, path, body, writtenNumber(body, 'balanceAlertThreshold')),
    }),

    getLowBalanceAlert: async ({ path, principal }) => ({ status: 200, body: await alerts.get(principal, path, path.balanceAlertID) }),

    updateLowBalanceAlert: async ({ path, body, principal }) => ({
      status: 200,
      body: await alerts.update(
        principal,
        path,
        path.balanceAlertID,
        body,
        body.balanceAlertThreshold === undefined ? undefined : writtenNumber(body, 'balanceAlertThreshold'),
      ),
    }),

    deleteLowBalanceAlert: async ({ path, principal }) => ({
      status: 200,
      body: await alerts.delete(principal, path, path.balanceAlertID),
    }),
  };
}
