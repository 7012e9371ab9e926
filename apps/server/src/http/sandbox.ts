/**
 * The sandbox's HTTP side, mounted only in sandbox mode (app.ts): the control surface under
 * /sandbox/v1 (its own spec, validator and handlers), and on the API the middleware that keeps
 * each platform's clock and rate limit and answers faults in place of operations. In production
 * mode none of this is mounted: the control paths fall to the 404 of the error handler and the
 * X-Sandbox-Fault header means nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type RequestHandler, Router } from 'express';
import type { Logger } from 'pino';
import { ApiError, type I18nKey, errorCatalogue, invalidField } from '../domain/errors.js';
import type { FundingService } from '../domain/funding-service.js';
import type { FaultAnswer, Store } from '../domain/ports.js';
import { MAX_LATENCY_MS, type SandboxService } from '../domain/sandbox-service.js';
import { bundledSandboxSpecText, loadSandboxSpec } from '../spec.js';
import { jsonBody } from './body.js';
import { mountOperations } from './operations.js';
import { sandboxHandlers } from './sandbox-handlers.js';
import { noStore, specValidator } from './validator.js';
import { operationFor } from './prechecks.js';
import { sandboxOperations } from './spec-operations.js';

/** The per-request fault header: `error=503.001`, `error=429.001; retry-after=2`, `latency=250`, `drop`. */
const FAULT_HEADER = 'x-sandbox-fault';

/** The header's value as a fault answer; a value it cannot read, or an error the operation does not document, is a 400 naming the header. */
function parseFaultHeader(value: string, statuses: ReadonlySet<number>): FaultAnswer {
  const [head = '', ...options] = value.split(';').map((part) => part.trim());
  const [kind, argument] = head.split('=').map((part) => part.trim());
  const retryAfter = options.map((option) => /^retry-after=(\d{1,4})$/i.exec(option)?.[1]).find(Boolean);
  const invalid = () =>
    invalidField('X-Sandbox-Fault', 'pattern', 'must be error=<i18nKey>[; retry-after=<seconds>], latency=<ms>, drop or drop-after', value);
  if ((kind === 'drop' || kind === 'drop-after') && argument === undefined) return { type: kind };
  if (kind === 'latency' && argument && /^\d{1,5}$/.test(argument) && Number(argument) <= MAX_LATENCY_MS) {
    return { type: 'latency', latencyMs: Math.max(1, Number(argument)) };
  }
  // An error of the catalogue whose status the operation documents.
  if (kind === 'error' && argument && argument in errorCatalogue && statuses.has(errorCatalogue[argument as I18nKey].httpCode)) {
    return { type: 'error', i18nKey: argument, ...(retryAfter ? { retryAfterSeconds: Number(retryAfter) } : {}) };
  }
  throw invalid();
}

/** Runs before every API request of a platform, after authentication: its clock, its rate limit. */
export function sandboxBeforeRequest(service: SandboxService): RequestHandler {
  return async (_req, res, next) => {
    try {
      await service.beforeRequest(res.locals.principal);
    } catch (error) {
      if (error instanceof ApiError && error.httpCode === 429) res.setHeader('Retry-After', '1');
      throw error;
    }
    next();
  };
}

/** Runs before every control, after authentication: a credential revoked or a platform deleted since the credentials were cached answers 401. */
function sandboxBeforeControl(service: SandboxService): RequestHandler {
  return async (_req, res, next) => {
    await service.beforeControl(res.locals.principal);
    next();
  };
}

/**
 * Right before an API operation runs (its request authenticated and valid): the header's fault,
 * or a rule's, answers instead. An error is rendered by the one error handler from the
 * catalogue; latency delays the operation with a timer (nothing else waits); a drop destroys
 * the socket.
 */
export function sandboxFaults(service: SandboxService, logger: Logger): RequestHandler {
  return async (req, res, next) => {
    const match = operationFor(req);
    if (!match) return next();
    const { principal, requestId } = res.locals;
    const header = req.headers[FAULT_HEADER];
    const answer =
      typeof header === 'string'
        ? parseFaultHeader(header, match.operation.statuses)
        : await service.faultFor(principal, match.operation.operationId);
    if (!answer) return next();
    const source = typeof header === 'string' ? 'header' : 'rule';
    logger.info(
      { platform: principal.platformName, requestId, operationId: match.operation.operationId, fault: answer, source },
      'sandbox fault',
    );
    if (answer.type === 'drop') {
      res.socket?.destroy();
      return;
    }
    if (answer.type === 'drop-after') {
      // The operation runs and commits; whatever it answers (or the error handler) closes the
      // connection instead of being written.
      const drop = (() => {
        res.socket?.destroy();
        return res;
      }) as never;
      res.writeHead = drop;
      res.write = drop;
      res.end = drop;
      return next();
    }
    if (answer.type === 'latency') {
      await sleep(Math.min(answer.latencyMs ?? 0, MAX_LATENCY_MS));
      return next();
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    const error = new ApiError(answer.i18nKey as I18nKey, {
      id:
        text(body.accountIdentifier) ?? text(body.customerIdentifier) ?? match.params.accountIdentifier ?? match.params.customerIdentifier,
      name: text(body.displayName),
    });
    if (error.httpCode === 429) res.setHeader('Retry-After', String(answer.retryAfterSeconds ?? 1));
    throw error;
  };
}

export interface SandboxControlDeps {
  service: SandboxService;
  /** The funding rules, to answer a settled deposit as the API reads it. */
  funding: FundingService;
  store: Store;
  logger: Logger;
  /** The API's authentication, reused: the same credentials, cache and throttle. */
  authenticate: RequestHandler;
  validateResponses: boolean;
}

/** The control surface, to mount under SANDBOX_BASE_PATH. */
export function sandboxControls({ service, funding, store, logger, authenticate, validateResponses }: SandboxControlDeps): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(bundledSandboxSpecText);
  });
  router.use(noStore);
  router.use(authenticate);
  router.use(sandboxBeforeControl(service));
  router.use(jsonBody({ takesBody: (req) => sandboxOperations.operationOf(req.method, req.path)?.operation.bodySchema !== undefined }));
  router.use(specValidator(loadSandboxSpec(), validateResponses));
  // One line per control action, once performed (sandbox-handlers.ts), never a key.
  router.use(mountOperations(sandboxHandlers(service, funding, store, logger), sandboxOperations.all));
  return router;
}
