/**
 * The eight operations of the contract. Each handler is thin: take the validated, typed input,
 * call the domain, send the typed output. Validation already happened (express-openapi-validator).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router, type Response } from 'express';
import type { ListAccountsQuery, ListCustomersQuery, Principal } from '../domain/model.js';
import type { RaasService } from '../domain/raas-service.js';
import type { operations } from '../generated/api.js';

type JsonBody<Op extends keyof operations> = operations[Op] extends {
  requestBody: { content: { 'application/json': infer Body } };
}
  ? Body
  : never;

type JsonResponse<Op extends keyof operations, Status extends number> =
  operations[Op]['responses'] extends Record<Status, { content: { 'application/json': infer Body } }> ? Body : never;

function send<Op extends keyof operations, Status extends 200 | 201>(
  res: Response,
  _operation: Op,
  status: Status,
  body: JsonResponse<Op, Status>,
): void {
  res.status(status).json(body);
}

const principal = (res: Response): Principal => res.locals.principal as Principal;

/**
 * Writes a bare JSON array as its batches arrive, through a stream pipeline (backpressure, and
 * teardown when the client goes away), so that a list of any size costs bounded memory. The
 * first batch is awaited before the status is sent: a failure before that is still an
 * ErrorInfo; a failure after it cuts the connection (the array is visibly incomplete, never
 * silently short).
 */
async function streamArray(res: Response, batches: AsyncIterable<unknown[]>): Promise<void> {
  const iterator = batches[Symbol.asyncIterator]();
  const first = await iterator.next();
  res.status(200).type('application/json');
  // A HEAD has no body: its status and headers are known once the first batch is read.
  if (res.req.method === 'HEAD') {
    await iterator.return?.(undefined);
    res.end();
    return;
  }
  async function* chunks(): AsyncGenerator<string> {
    try {
      if (first.done) {
        yield '[]';
        return;
      }
      // One stringify per batch: the array's brackets come off and the separators go back in.
      yield `[${JSON.stringify(first.value).slice(1, -1)}`;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        yield `,${JSON.stringify(next.value).slice(1, -1)}`;
      }
      yield ']';
    } finally {
      await iterator.return?.(undefined);
    }
  }
  try {
    await pipeline(Readable.from(chunks()), res);
  } catch (error) {
    // The client left: nothing to answer. Anything else reaches the error handler, which cuts
    // the connection since the status is already sent.
    if ((error as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
  }
}

export function apiRoutes(service: RaasService): Router {
  const router = Router();

  router.get('/customers', async (req, res) => {
    const query = req.query as ListCustomersQuery;
    if (query.paginate) send(res, 'listCustomers', 200, await service.customerPage(principal(res), query));
    else await streamArray(res, service.allCustomers(principal(res), query));
  });

  router.post('/customers', async (req, res) => {
    const criteria = req.body as JsonBody<'createCustomer'>;
    send(res, 'createCustomer', 201, await service.createCustomer(principal(res), criteria));
  });

  router.get('/customers/:customerIdentifier', async (req, res) => {
    send(res, 'getCustomer', 200, await service.getCustomer(principal(res), req.params.customerIdentifier));
  });

  router.get('/customers/:customerIdentifier/accounts', async (req, res) => {
    const query = req.query as ListAccountsQuery;
    const { customerIdentifier } = req.params;
    if (query.paginate) {
      send(res, 'listCustomerAccounts', 200, await service.customerAccountPage(principal(res), customerIdentifier, query));
    } else {
      await streamArray(res, await service.allCustomerAccounts(principal(res), customerIdentifier, query));
    }
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

  router.get('/accounts', async (req, res) => {
    const query = req.query as ListAccountsQuery;
    if (query.paginate) send(res, 'listAccounts', 200, await service.accountPage(principal(res), query));
    else await streamArray(res, service.allAccounts(principal(res), query));
  });

  router.get('/accounts/:accountIdentifier', async (req, res) => {
    send(res, 'getAccount', 200, await service.getAccount(principal(res), req.params.accountIdentifier));
  });

  return router;
}
