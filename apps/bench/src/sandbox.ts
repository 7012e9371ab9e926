/**
 * The sandbox controls at a typical test's size: how long a test suite waits between its tests
 * for a reset, a restore of a snapshot, and a seed (20 customers, 50 accounts with balances), on
 * SQLite and on PostgreSQL, timed from the client (the whole HTTP round trip), sequentially.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Cluster, startCluster } from '@raas-customers/pg-cluster';
import { basic, temporaryDirectory, temporaryPostgres } from '@raas-customers/test-kit';
import { median, startServer } from './processes.js';

export interface SandboxOptions {
  customers: number;
  accounts: number;
  /** Timed calls of each control (the median is kept). */
  samples: number;
  stores: ('sqlite' | 'postgres')[];
}

export interface SandboxRow {
  store: string;
  customers: number;
  accounts: number;
  resetMs: number;
  restoreMs: number;
  seedMs: number;
  snapshotMs: number;
}

const PLATFORM = { RAAS_PLATFORM_NAME: 'sandbox-bench', RAAS_PLATFORM_KEY: 'Zk3rV9pQ2xW7mN4bT8cY1hL6sD0fG5jA3eR7uI2oP9w' };

/** `customers` customers holding `accounts` accounts between them, each with a balance. */
function fixture(customers: number, accounts: number) {
  return {
    customers: Array.from({ length: customers }, (_, c) => ({
      customerIdentifier: `bench-customer-${c}`,
      displayName: `Bench customer ${c}`,
      accounts: Array.from({ length: Math.floor(accounts / customers) + (c < accounts % customers ? 1 : 0) }, (_, a) => ({
        accountIdentifier: `bench-${c}-${a}`,
        displayName: `Bench account ${c}-${a}`,
        contactEmail: 'bench@example.com',
        currentBalance: 100 + a,
      })),
    })),
  };
}

async function measure(url: string, store: string, options: SandboxOptions): Promise<SandboxRow> {
  const server = await startServer(
    'raas-customers (sandbox)',
    { PORT: '0', LOG_LEVEL: 'silent', RAAS_MODE: 'sandbox', DATABASE_URL: url, ...PLATFORM },
    /listening on (http:\/\/\S+)/,
  );
  const base = server.origin.replace(/\/raas\/v2$/, '/sandbox/v1');
  const authorization = basic(PLATFORM.RAAS_PLATFORM_NAME, PLATFORM.RAAS_PLATFORM_KEY);
  const call = async (path: string, body?: unknown): Promise<{ ms: number; json: unknown }> => {
    const started = performance.now();
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { Authorization: authorization, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json: unknown = await response.json();
    const ms = performance.now() - started;
    if (!response.ok) throw new Error(`${path} answered ${response.status}: ${JSON.stringify(json)}`);
    return { ms, json };
  };
  try {
    const seed = fixture(options.customers, options.accounts);
    const seeds: number[] = [];
    const snapshots: number[] = [];
    const resets: number[] = [];
    const restores: number[] = [];
    // A warm-up of each, untimed.
    await call('/seed', seed);
    const { json } = await call('/snapshots');
    const { snapshotId } = json as { snapshotId: string };
    await call('/reset');
    await call(`/snapshots/${snapshotId}/restore`);
    for (let i = 0; i < options.samples; i++) {
      seeds.push((await call('/seed', seed)).ms);
      snapshots.push((await call('/snapshots')).ms);
      resets.push((await call('/reset')).ms);
      restores.push((await call(`/snapshots/${snapshotId}/restore`)).ms);
    }
    return {
      store,
      customers: options.customers,
      accounts: options.accounts,
      resetMs: median(resets),
      restoreMs: median(restores),
      seedMs: median(seeds),
      snapshotMs: median(snapshots),
    };
  } finally {
    await server.stop();
  }
}

export async function runSandbox(options: SandboxOptions, log: (line: string) => void): Promise<SandboxRow[]> {
  const rows: SandboxRow[] = [];
  for (const store of options.stores) {
    let cluster: Cluster | undefined;
    const dir = temporaryDirectory('raas-sandbox-bench-').path;
    try {
      if (store === 'postgres') cluster = await startCluster();
      const database = cluster ? await temporaryPostgres(cluster.adminUrl) : undefined;
      try {
        const row = await measure(database?.url ?? `file:${join(dir, 'raas.db')}`, store, options);
        log(
          `  ${store}: reset ${row.resetMs.toFixed(2)} ms, restore ${row.restoreMs.toFixed(2)} ms, seed ${row.seedMs.toFixed(2)} ms, snapshot ${row.snapshotMs.toFixed(2)} ms`,
        );
        rows.push(row);
      } finally {
        await database?.drop();
      }
    } finally {
      cluster?.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}
