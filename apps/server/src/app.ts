/**
 * createApp builds the HTTP application without listening. The middleware order is the
 * architecture: request id -> access log -> authentication -> body -> validator -> routes ->
 * one error handler. Authentication comes before the body is read, so an unauthenticated caller
 * never makes the server parse anything.
 */
import express, { type Express } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import type { Logger } from 'pino';
import { RaasService } from './domain/raas-service.js';
import { authenticate } from './http/authenticate.js';
import { jsonBody } from './http/body.js';
import { errorHandler, notFound } from './http/error-handler.js';
import { requestId } from './http/request-id.js';
import { apiRoutes } from './http/routes.js';
import { httpLogger } from './logger.js';
import { API_BASE_PATH, bundledSpecText, loadSpec } from './spec.js';
import type { Store } from './store/store.js';

export interface AppDeps {
  store: Store;
  logger: Logger;
  /** Validate every response against the spec too (on in tests: a drifting response fails). */
  validateResponses?: boolean;
}

export function createApp({ store, logger, validateResponses = false }: AppDeps): Express {
  const service = new RaasService(store);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(requestId);
  app.use(httpLogger(logger));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await store.ping();
      res.json({ status: 'ok' });
    } catch {
      res.status(503).json({ status: 'unavailable' });
    }
  });
  app.get(`${API_BASE_PATH}/openapi.json`, (_req, res) => {
    res.type('application/json').send(bundledSpecText);
  });

  app.use(API_BASE_PATH, authenticate(store));
  app.use(API_BASE_PATH, jsonBody());
  app.use(
    OpenApiValidator.middleware({
      apiSpec: loadSpec() as never,
      validateApiSpec: false,
      validateRequests: { allErrors: true, allowUnknownQueryParameters: false },
      validateResponses: validateResponses ? { allErrors: true } : false,
      validateSecurity: false,
      validateFormats: true,
    }),
  );
  app.use(API_BASE_PATH, apiRoutes(service));

  app.use(notFound);
  app.use(errorHandler);
  return app;
}
