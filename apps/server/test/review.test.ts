/**
 * The findings of an outside review of the running server (issue 13), one regression test or
 * more each; every one of them failed before its fix. Costs are proved by counters (database
 * sessions, store calls, connections), never by timing: `pnpm bench` measures the time.
 */
import { connect, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inject } from 'vitest';
import { STORE_KINDS, type TestServer, basic, startTestServer } from './support/harness.js';
import { inPool, rawClient } from './support/http.js';

const json = { 'content-type': 'application/json' };

describe('an expected database error keeps its PostgreSQL connection', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('postgres');
  });
  afterAll(async () => {
    await server?.close();
  });

  test('a burst of 300 duplicate creates (409) opens no more sessions than the pool holds', async () => {
    const admin = new pg.Client({ connectionString: inject('postgresAdminUrl') });
    await admin.connect();
    const database = new URL(server.databaseUrl).pathname.slice(1);
    const sessions = async () => {
      await admin.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await admin.query<{ sessions: string }>('SELECT sessions FROM pg_stat_database WHERE datname = $1', [database]);
      return Number(rows[0]!.sessions);
    };
    const client = rawClient(server.baseUrl, 8);
    try {
      const headers = { ...json, authorization: basic(server.one) };
      const body = JSON.stringify({ customerIdentifier: 'duplicate-storm', displayName: 'Duplicate storm' });
      expect((await client.send({ method: 'POST', path: '/raas/v2/customers', headers, body })).status).toBe(201);
      const before = await sessions();
      const statuses = await inPool(Array.from({ length: 300 }), 8, async () => (await client.send({ method: 'POST', path: '/raas/v2/customers', headers, body })).status);
      expect(new Set(statuses)).toEqual(new Set([409]));
      // The pool holds at most 10 connections (PG_POOL_MAX's default); before the fix every 409
      // destroyed its connection, so the burst opened about 300 sessions.
      expect((await sessions()) - before).toBeLessThanOrEqual(10);
    } finally {
      client.close();
      await admin.end();
    }
  });
});

export { connect, type Socket };
