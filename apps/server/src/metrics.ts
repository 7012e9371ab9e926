/**
 * Prometheus metrics for operators, on a listener of their own (METRICS_PORT): API clients never
 * reach them through the API's port. Requests are labelled by the spec's operationId and the
 * status, so a dashboard speaks the contract's names.
 */
import { createServer, type Server } from 'node:http';
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface PoolStats {
  /** Connections open, idle among them, and requests waiting for one. */
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

export interface MetricsSource {
  version: string;
  mode: string;
  store: string;
  /** The database pool now (PostgreSQL); undefined for the embedded database. */
  pool?: () => PoolStats;
}

export class Metrics {
  readonly registry = new Registry();
  readonly #requests = new Histogram({
    name: 'raas_http_request_duration_seconds',
    help: 'API requests by operationId (none: no operation matched) and status; _count counts them',
    labelNames: ['operation_id', 'method', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly #authFailures = new Counter({
    name: 'raas_auth_failures_total',
    help: 'Requests answered 401: credentials missing or not valid',
    registers: [this.registry],
  });
  readonly #throttled = new Counter({
    name: 'raas_auth_throttled_total',
    help: 'Requests answered 429 by the failed-authentication throttle',
    registers: [this.registry],
  });
  readonly #databaseUnavailable = new Counter({
    name: 'raas_database_unavailable_total',
    help: 'Requests answered 503 because the database could not be reached in time',
    registers: [this.registry],
  });
  readonly #serverErrors = new Counter({
    name: 'raas_server_errors_total',
    help: 'Requests answered 500: an unexpected error (the log has its stack)',
    registers: [this.registry],
  });
  readonly #databaseAvailable = new Gauge({
    name: 'raas_database_available',
    help: '1 while the database answers, 0 during an outage',
    registers: [this.registry],
  });

  constructor(source: MetricsSource) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'raas_build_info',
      help: 'The running build: version, Node, store and mode',
      labelNames: ['version', 'node', 'store', 'mode'] as const,
      registers: [this.registry],
    }).set({ version: source.version, node: process.versions.node, store: source.store, mode: source.mode }, 1);
    this.#databaseAvailable.set(1);
    const pool = source.pool;
    if (pool) {
      new Gauge({
        name: 'raas_database_pool_connections',
        help: 'Database pool connections by state: open, idle, max; waiting counts requests queued for one',
        labelNames: ['state'] as const,
        registers: [this.registry],
        collect() {
          const { total, idle, waiting, max } = pool();
          this.set({ state: 'open' }, total);
          this.set({ state: 'idle' }, idle);
          this.set({ state: 'waiting' }, waiting);
          this.set({ state: 'max' }, max);
        },
      });
    }
  }

  databaseAvailable(available: boolean): void {
    this.#databaseAvailable.set(available ? 1 : 0);
  }

  /** Observes every response when it is finished (or abandoned). */
  observeRequests(): RequestHandler {
    return (req, res, next) => {
      const started = performance.now();
      res.once('close', () => {
        const status = res.statusCode;
        if (status === 401) this.#authFailures.inc();
        if (status === 429) this.#throttled.inc();
        // A 503 is only ever a StoreUnavailable (the error handler's one mapping to it).
        if (status === 503) this.#databaseUnavailable.inc();
        if (status === 500) this.#serverErrors.inc();
        // Set by express-openapi-validator on the requests it matched to an operation.
        const operationId = (req as { openapi?: { schema?: { operationId?: string } } }).openapi?.schema?.operationId ?? 'none';
        this.#requests.observe({ operation_id: operationId, method: req.method, status }, (performance.now() - started) / 1000);
      });
      next();
    };
  }

  /** The scrape endpoint, GET /metrics, on its own listener. */
  listen(port: number, host: string): Server {
    return createServer((req, res) => {
      if (req.method !== 'GET' || req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    }).listen(port, host);
  }
}
