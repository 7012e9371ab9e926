/**
 * PostgreSQL goes away and comes back: readiness follows it, requests meanwhile get a 503
 * ErrorInfo (not a hang, not a crash), and the process recovers by itself.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { basic } from './support/harness.js';
import { type Cluster, createDatabase, startCluster } from '@raas-customers/pg-cluster';
import { type RunningServer, startServerProcess } from './support/process.js';

const platform = { RAAS_PLATFORM_NAME: 'outage-platform', RAAS_PLATFORM_KEY: 'j7OHYt77r4R7TPGcqbzk8lyzlkSS72e42yfxW8CFyDI' };
const headers = {
  authorization: basic({ name: platform.RAAS_PLATFORM_NAME, key: platform.RAAS_PLATFORM_KEY }),
  'content-type': 'application/json',
};

// A cluster of its own: stopping the shared one would break the other test files.
let cluster: Cluster;
let server: RunningServer;
beforeAll(async () => {
  cluster = await startCluster();
  const database = await createDatabase(cluster.adminUrl);
  server = await startServerProcess({ DATABASE_URL: database.url, LOG_LEVEL: 'silent', PG_CONNECT_TIMEOUT_MS: '1000', ...platform });
});
afterAll(async () => {
  await server?.stop();
  cluster?.destroy();
});

const ready = async () => (await fetch(new URL('/readyz', server.baseUrl))).status;

async function until(predicate: () => Promise<boolean>, attempts = 100): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (await predicate()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

test('readiness and requests follow the database down and back up', async () => {
  expect(await ready()).toBe(200);
  const before = await fetch(`${server.baseUrl}/customers`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ customerIdentifier: 'before-outage', displayName: 'Before the outage' }),
  });
  expect(before.status).toBe(201);

  cluster.stop();
  expect(await ready()).toBe(503);
  const during = await fetch(`${server.baseUrl}/customers/before-outage`, { headers });
  expect(during.status).toBe(503);
  expect(await during.json()).toMatchObject({ httpCode: 503, i18nKey: '503.001', requestId: during.headers.get('x-request-id') });
  expect(server.child.exitCode).toBeNull();

  cluster.start();
  expect(await until(async () => (await ready()) === 200)).toBe(true);
  const after = await fetch(`${server.baseUrl}/customers/before-outage`, { headers });
  expect(after.status).toBe(200);
  expect(await after.json()).toMatchObject({ customerIdentifier: 'before-outage' });
});
