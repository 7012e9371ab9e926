/**
 * PostgreSQL goes away and comes back: readiness follows it, requests meanwhile get a 503
 * ErrorInfo (not a hang, not a crash), the process recovers by itself, and the log says so once
 * each way rather than once per failed request.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { basic } from './support/harness.js';
import { type Cluster, startCluster } from '@raas-customers/pg-cluster';
import { temporaryPostgres } from '@raas-customers/test-kit';
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
  const database = await temporaryPostgres(cluster.adminUrl);
  server = await startServerProcess({
    DATABASE_URL: database.url,
    LOG_LEVEL: 'info',
    METRICS_PORT: '0',
    PG_CONNECT_TIMEOUT_MS: '1000',
    ...platform,
  });
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

  // The outage in the metrics: the 503s counted, the database available again. (The log is
  // flushed on a timer: wait for its 'listening' line, which names the metrics listener.)
  expect(await until(async () => server.stdout().includes('"msg":"listening"'))).toBe(true);
  const listening = server
    .stdout()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { msg: string; metrics?: string })
    .find((line) => line.msg === 'listening');
  const metrics = await (await fetch(listening!.metrics!)).text();
  expect(Number(/^raas_database_unavailable_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);
  expect(metrics).toMatch(/^raas_database_available 1$/m);

  expect(await server.stop()).toBe(0);
  const lines = server
    .stdout()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { level: number; msg: string });
  const down = lines.filter((line) => line.msg.startsWith('database unreachable'));
  const up = lines.filter((line) => line.msg === 'database reachable again');
  expect(down.map((line) => line.level)).toEqual([50]);
  expect(up.map((line) => line.level)).toEqual([30]);
});
