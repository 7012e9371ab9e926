/**
 * createApp builds the HTTP application without listening. The middleware order is the
 * architecture: request id -> security headers -> access log -> origin-form target -> URL bound
 * -> authentication -> (sandbox: clock, rate limit) -> write access -> body -> cheap bounds -> validator
 * -> (sandbox: faults) -> operation handlers -> one error handler; in sandbox mode the control
 * surface beside it, under /sandbox/v1. Authentication comes before the body is read, so an unauthenticated caller never
 * makes the server parse anything.
 */
import type { IncomingMessage } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { CredentialCache } from './auth/credential-cache.js';
import { FailureThrottle, type ThrottleOptions } from './auth/throttle.js';
import { ApiError } from './domain/errors.js';
import { AlertService } from './domain/alert-service.js';
import { type Clock, systemClock } from './domain/clock.js';
import { cursorCodecOf } from './domain/cursors.js';
import { FundingService } from './domain/funding-service.js';
import { PlatformClocks } from './domain/platform-clocks.js';
import { RaasService } from './domain/raas-service.js';
import { SandboxService } from './domain/sandbox-service.js';
import type { Mode } from './config.js';
import { sandboxBeforeRequest, sandboxControls, sandboxFaults } from './http/sandbox.js';
import { apiOperations } from './http/spec-operations.js';
import { authenticate } from './http/authenticate.js';
import { docsSite } from './http/docs.js';
import { jsonBody } from './http/body.js';
import { boundedBody, createAccess, decimalQuery, refuseLooseNumbers, takesBody, writeAccess, writesNumbers } from './http/prechecks.js';
import { errorHandler, foreignKeyFailures, notFound } from './http/error-handler.js';
import { requestId } from './http/request-id.js';
import { refuseOtherSchemes, toOriginForm } from './http/request-target.js';
import { operationHandlers } from './http/handlers.js';
import { mountOperations } from './http/operations.js';
import { noStore, specValidator } from './http/validator.js';
import { requestLog } from './logger.js';
import type { Metrics } from './metrics.js';
import { API_BASE_PATH, SANDBOX_BASE_PATH, bundledSpecText, loadSpec } from './spec.js';
import type { Store } from './domain/ports.js';

export interface AppDeps {
  store: Store;
  logger: Logger;
  /**
   * `sandbox` (the default here; RAAS_MODE's follows the database, config.ts) mounts the sandbox controls (/sandbox/v1), the
   * per-platform test clocks, rate limits and faults; `production` mounts none of it.
   */
  mode?: Mode;
  /** Validate every response against the spec too (on in tests: a drifting response fails). */
  validateResponses?: boolean;
  /** Failed authentications per client address before further failures answer 429. */
  authFailures?: ThrottleOptions;
  /** How long a platform's credentials are read from memory before the store is asked again. */
  credentialCacheMs?: number;
  /** Express's `trust proxy`: set it when a load balancer sets X-Forwarded-For. */
  trustProxy?: number | string | false;
  /** Prometheus metrics, when the operator turned them on (METRICS_PORT). */
  metrics?: Metrics;
  /** Reject body properties the spec does not name (400) instead of dropping them (the default). */
  strictBodies?: boolean;
  /** Where the domain reads the time; in sandbox mode each platform's own clock runs from it. */
  clock?: Clock;
  /** How long a PENDING sandbox deposit stays pending (DEPOSIT_PENDING_MS). */
  depositPendingMs?: number;
}

/** DEPOSIT_PENDING_MS's default. */
export const DEFAULT_DEPOSIT_PENDING_MS = 5000;

/** Longer request targets are refused with 414 (Node itself refuses headers over 16 KiB with 431). */
export const MAX_URL_LENGTH = 4096;

const boundedUrl: RequestHandler = (req, _res, next) => {
  if (req.originalUrl.length > MAX_URL_LENGTH) throw new ApiError('414.001');
  next();
};

/**
 * The validator knows only the spec's methods, and would answer a HEAD with 405. Every GET also
 * answers HEAD (as on the real platform), so the validator checks a HEAD as the GET it mirrors;
 * Express routes HEAD to the GET handlers, and Node sends their status and headers without the
 * body. The method is HEAD again for everything after the validator (the access log included).
 */
function headAsGet(handlers: RequestHandler[]): RequestHandler[] {
  return handlers.map((handler) => (req, res, next) => {
    if (req.method !== 'HEAD') return handler(req, res, next);
    req.method = 'GET';
    return handler(req, res, (error?: unknown) => {
      req.method = 'HEAD';
      next(error);
    });
  });
}

export function createApp({
  store,
  logger,
  validateResponses = false,
  authFailures = { limit: 20, windowMs: 60_000 },
  trustProxy = false,
  credentialCacheMs = 1000,
  metrics,
  strictBodies = false,
  mode = 'sandbox',
  clock = systemClock,
  depositPendingMs = DEFAULT_DEPOSIT_PENDING_MS,
}: AppDeps): Express {
  const cursors = cursorCodecOf(store);
  // In sandbox mode every platform reads its own clock (the controls move it), running from `clock`.
  const sandboxMode = mode === 'sandbox';
  const clocks = new PlatformClocks(clock);
  const domainClock = sandboxMode ? clocks : clock;
  const services = {
    raas: new RaasService(store, domainClock, cursors),
    funding: new FundingService(store, domainClock, cursors, { depositPendingMs }),
    alerts: new AlertService(store, domainClock),
  };
  const sandbox = sandboxMode
    ? new SandboxService(store, clocks, new Map(apiOperations.all.map((op) => [op.operationId, op.statuses])))
    : undefined;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Paths are case-sensitive, as in the public API (the validator follows this setting too).
  app.set('case sensitive routing', true);
  app.set('trust proxy', trustProxy);

  // Absolute-form targets become origin-form before the router sees them (request-target.ts).
  const routed = app as unknown as { handle: (req: IncomingMessage, ...rest: unknown[]) => void };
  const handle = routed.handle.bind(app);
  routed.handle = (req, ...rest) => {
    toOriginForm(req);
    handle(req, ...rest);
  };

  app.use(requestId);
  // JSON answers load nothing: the strictest policy (the docs site sets its own).
  app.use(helmet({ contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } }));
  app.use(requestLog(logger));
  if (metrics) app.use(metrics.observeRequests());
  app.use(refuseOtherSchemes);
  app.use(boundedUrl);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await store.ping();
      res.json({ status: 'ok', mode });
    } catch {
      res.status(503).json({ status: 'unavailable', mode });
    }
  });
  const docs = docsSite({ sandbox: sandboxMode });
  if (docs) app.use('/docs', docs);
  app.get(`${API_BASE_PATH}/openapi.json`, (_req, res) => {
    res.type('application/json').send(bundledSpecText);
  });

  app.use(API_BASE_PATH, noStore);
  const credentials = new CredentialCache(store, credentialCacheMs);
  // A platform deleted here is forgotten here at once (other instances: within the cache's ttl).
  sandbox?.onPlatformDeleted((principal) => credentials.forget(principal.platformName));
  const authenticated = authenticate(credentials, new FailureThrottle(authFailures), {
    refuseThrowAway: !sandboxMode,
  });
  app.use(API_BASE_PATH, authenticated);
  // Sandbox mode: the platform's clock and rate limit, before anything else of the request.
  if (sandbox) app.use(API_BASE_PATH, sandboxBeforeRequest(sandbox));
  // A write the credential may never make is refused before its body is read or validated, and
  // the cheap bounds (array sizes, decimal numbers) come before the validator's costlier keywords.
  app.use(API_BASE_PATH, writeAccess);
  // Unknown properties are dropped (unless strict) before the prototype-key check: an unknown
  // `valueOf`, or thousands of unknown names, are ignored like any other.
  app.use(API_BASE_PATH, jsonBody({ takesBody, writesNumbers, checks: [createAccess, boundedBody({ strictBodies })] }));
  app.use(API_BASE_PATH, decimalQuery);
  app.use(headAsGet(specValidator(loadSpec(), validateResponses)));
  app.use(API_BASE_PATH, refuseLooseNumbers);
  // Sandbox mode: a fault answers instead of the operation, which then never runs.
  if (sandbox) app.use(API_BASE_PATH, sandboxFaults(sandbox, logger));
  app.use(API_BASE_PATH, mountOperations(operationHandlers(services)));
  if (sandbox) {
    app.use(
      SANDBOX_BASE_PATH,
      sandboxControls({ service: sandbox, funding: services.funding, store, logger, authenticate: authenticated, validateResponses }),
    );
  }

  app.use(notFound);
  app.use(foreignKeyFailures({ sandbox: sandboxMode, store }));
  app.use(errorHandler(logger));
  return app;
}
