/** The server process: read configuration, open the store, listen, and shut down gracefully. */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo, Server } from 'node:net';
import { createApp } from './app.js';
import { provisionAtStart } from './auth/platforms.js';
import { type Config, configError, readConfig } from './config.js';
import { createLogger } from './logger.js';
import { Metrics } from './metrics.js';
import { PostgresStore } from './store/postgres/postgres-store.js';
import { describeDatabase, openStore } from './store/open-store.js';

/** This package's version: its package.json is one folder up from the compiled code, two from the bundle. */
function packageVersion(): string {
  const require = createRequire(import.meta.url);
  for (const candidate of ['../package.json', '../../package.json']) {
    try {
      const manifest = require(candidate) as { name?: string; version?: string };
      if (manifest.name === '@raas-customers/server' && manifest.version) return manifest.version;
    } catch {}
  }
  return 'unknown';
}

/** Listens, or fails with the variable to change: a port in use, a host that is not this machine's. */
async function listenOn(server: Server, port: number, host: string, names: { port: string; host: string }): Promise<AddressInfo> {
  try {
    // It may be listening already: the metrics listener binds while the API's is awaited.
    if (!server.listening) await once(server, 'listening');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE')
      throw configError(names.port, `${host}:${port} is already in use (EADDRINUSE): stop what holds it, or choose another port`);
    if (code === 'EACCES')
      throw configError(names.port, `port ${port} needs privileges this process lacks (EACCES): choose one above 1023`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw configError(names.host, `${host} is not an address of this machine (${code})`);
    throw error;
  }
  return server.address() as AddressInfo;
}

/** What the start logs of its configuration: enough to see each setting took effect, and no secret. */
function describe(config: Config): Record<string, unknown> {
  const { platform, databaseUrl, ...rest } = config;
  return { ...rest, database: describeDatabase(databaseUrl), platform: platform?.name };
}

export async function serve(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  logger.info({ config: describe(config) }, 'starting');
  let metrics: Metrics | undefined;
  const store = await openStore(config.databaseUrl, {
    ...config.postgres,
    onAvailability(available, cause) {
      metrics?.databaseAvailable(available);
      // Once per outage and once per recovery, not once per failed request.
      if (available) logger.info('database reachable again');
      else
        logger.error({ cause: String((cause as Error)?.message ?? cause) }, 'database unreachable: requests answer 503 until it returns');
    },
  });
  logger.debug({ store: store.kind }, 'database open, migrations applied');
  if (config.metrics) {
    metrics = new Metrics({
      version: packageVersion(),
      mode: config.mode,
      store: store.kind,
      ...(store instanceof PostgresStore ? { pool: () => store.poolStats() } : {}),
    });
  }
  const app = createApp({
    store,
    logger,
    mode: config.mode,
    ...(metrics ? { metrics } : {}),
    authFailures: config.authFailures,
    trustProxy: config.trustProxy,
    credentialCacheMs: config.credentialCacheMs,
    strictBodies: config.strictBodies,
    depositPendingMs: config.depositPendingMs,
  });
  const { requestTimeoutMs, headersTimeoutMs, max } = config.connections;
  const server = createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: headersTimeoutMs,
      // Node checks those timeouts on this interval (30 s by default, longer than they are).
      connectionsCheckingInterval: Math.min(1000, headersTimeoutMs),
    },
    app,
  );
  // Past this many open connections, new ones are closed at once rather than served slowly.
  server.maxConnections = max;
  server.listen(config.port, config.host);
  const metricsServer = config.metrics && metrics?.listen(config.metrics.port, config.metrics.host);

  // Signals are handled from the moment a listener exists: a SIGTERM during the start must
  // still stop the process gracefully.
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    // One Ctrl-C reaches the server twice under `pnpm start` (the terminal signals the group,
    // and pnpm forwards it): a repeat is not a request to hurry. SHUTDOWN_TIMEOUT_MS bounds it.
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    metricsServer?.close();
    const force = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutMs).unref();
    // A keep-alive connection becomes idle when its last request finishes: close it then, rather
    // than waiting for the keep-alive timeout.
    const sweep = setInterval(() => server.closeIdleConnections(), 50).unref();
    server.close(() => {
      clearTimeout(force);
      clearInterval(sweep);
      void store
        .close()
        .catch((error: unknown) => logger.error({ err: error }, 'closing the database failed'))
        .then(() => {
          logger.info('stopped');
          // The log is buffered: write out what is left before exiting.
          logger.flush(() => process.exit(0));
        });
    });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  // Bound before anything is provisioned: a port in use stops the start before a development
  // platform (and its key, shown once) is created.
  const { address, port } = await listenOn(server, config.port, config.host, { port: 'PORT', host: 'HOST' });
  const metricsAddress =
    metricsServer && config.metrics
      ? await listenOn(metricsServer, config.metrics.port, config.metrics.host, { port: 'METRICS_PORT', host: 'METRICS_HOST' })
      : undefined;

  const issued = await provisionAtStart(store, config.platform, { developmentPlatform: config.mode === 'sandbox' });
  if (issued) {
    // Shown once, on the terminal (stderr), never through the log: the key is a secret.
    process.stderr.write(
      `\nNo platform existed, so a development platform was created. Its credentials (shown once):\n` +
        `  platform name: ${issued.platformName}\n  platform key:  ${issued.platformKey}\n\n`,
    );
  } else if ((await store.listPlatforms()).length === 0) {
    logger.warn(
      'no platform exists yet: create one with `raas-customers platform create <name>` (in a checkout: `pnpm raas platform create <name>`)',
    );
  }

  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${port}/raas/v2`;
  logger.info(
    {
      url,
      mode: config.mode,
      store: store.kind,
      ...(metricsAddress ? { metrics: `http://${metricsAddress.address}:${metricsAddress.port}/metrics` } : {}),
    },
    'listening',
  );
  // For the person at the terminal; stdout carries only the log's JSON lines.
  process.stderr.write(`RaaS Customers (${config.mode} mode) listening on ${url}\n`);
  if (config.mode === 'sandbox') process.stderr.write(`Sandbox controls at http://${host}:${port}/sandbox/v1 (none in production mode)\n`);
}
