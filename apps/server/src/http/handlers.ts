/**
 * The handlers of the contract's operations, one per operationId (see operations.ts). Each is
 * thin: take the validated, typed input, call the domain, return the typed answer.
 */
import type { RaasService } from '../domain/raas-service.js';
import type { Handlers } from './operations.js';

export function operationHandlers(service: RaasService): Handlers {
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
  };
}
