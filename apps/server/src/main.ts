/** The process: read configuration, open the store, listen, and shut down gracefully. */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { provisionAtStart } from './auth/platforms.js';
import { ConfigError, readConfig } from './config.js';
import { createLogger } from './logger.js';
import { openStore } from './store/open-store.js';

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  const store = await openStore(config.databaseUrl, config.postgres);

  const issued = await provisionAtStart(store, config.platform);
  if (issued) {
    // Shown once, on the terminal, never through the logger: the key is a secret.
    process.stderr.write(
      `\nNo platform existed, so a development platform was created. Its credentials (shown once):\n` +
        `  platform name: ${issued.platformName}\n  platform key:  ${issued.platformKey}\n\n`,
    );
  }

  const app = createApp({
    store,
    logger,
    authFailures: config.authFailures,
    trustProxy: config.trustProxy,
    credentialCacheMs: config.credentialCacheMs,
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
  await once(server, 'listening');
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  logger.info({ url: `http://${host}:${port}/raas/v2`, store: store.kind }, 'listening');
  process.stdout.write(`RaaS Customers listening on http://${host}:${port}/raas/v2\n`);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
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
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
