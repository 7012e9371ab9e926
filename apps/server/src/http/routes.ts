/**
 * The eight operations of the contract. Each handler is thin: take the validated, typed input,
 * call the domain, send the typed output. Validation already happened (express-openapi-validator).
 */
import { Router, type Response } from 'express';
import type { Principal } from '../domain/model.js';
import type { RaasService } from '../domain/raas-service.js';
import type { operations } from '../generated/api.js';

type JsonBody<Op extends keyof operations> = operations[Op] extends {
  requestBody: { content: { 'application/json': infer Body } };
}
  ? Body
  : never;

type JsonResponse<Op extends keyof operations, Status extends number> = operations[Op]['responses'] extends Record<
  Status,
  { content: { 'application/json': infer Body } }
>
  ? Body
  : never;

function send<Op extends keyof operations, Status extends 200 | 201>(
  res: Response,
  _operation: Op,
  status: Status,
  body: JsonResponse<Op, Status>,
): void {
  res.status(status).json(body);
}

const principal = (res: Response): Principal => res.locals.principal as Principal;

export function apiRoutes(service: RaasService): Router {
  const router = Router();

  router.get('/customers', async (_req, res) => {
    send(res, 'listCustomers', 200, await service.listCustomers(principal(res)));
  });

  router.post('/customers', async (req, res) => {
    const criteria = req.body as JsonBody<'createCustomer'>;
    send(res, 'createCustomer', 201, await service.createCustomer(principal(res), criteria));
  });

  router.get('/customers/:customerIdentifier', async (req, res) => {
    send(res, 'getCustomer', 200, await service.getCustomer(principal(res), req.params.customerIdentifier));
  });

  router.get('/customers/:customerIdentifier/accounts', async (req, res) => {
    const accounts = await service.listCustomerAccounts(principal(res), req.params.customerIdentifier);
    send(res, 'listCustomerAccounts', 200, accounts);
  });

  router.post('/customers/:customerIdentifier/accounts', async (req, res) => {
    const criteria = req.body as JsonBody<'createCustomerAccount'>;
    const account = await service.createCustomerAccount(principal(res), req.params.customerIdentifier, criteria);
    send(res, 'createCustomerAccount', 201, account);
  });

  router.patch('/customers/:customerIdentifier/accounts/:accountIdentifier', async (req, res) => {
    const patch = req.body as JsonBody<'updateCustomerAccount'>;
    const { customerIdentifier, accountIdentifier } = req.params;
    const account = await service.updateCustomerAccount(principal(res), customerIdentifier, accountIdentifier, patch);
    send(res, 'updateCustomerAccount', 200, account);
  });

  router.get('/accounts', async (_req, res) => {
    send(res, 'listAccounts', 200, await service.listAccounts(principal(res)));
  });

  router.get('/accounts/:accountIdentifier', async (req, res) => {
    send(res, 'getAccount', 200, await service.getAccount(principal(res), req.params.accountIdentifier));
  });

  return router;
}
