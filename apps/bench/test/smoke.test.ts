/**
 * CI runs the benchmark only in smoke mode: a few seconds of everything, to prove the harness
 * works and produces a complete report. It asserts nothing that load decides: no timing, and no
 * count of a baseline's failures (Prism resets connections when the machine is busy), only that
 * every scenario ran and that our server answered every request as intended.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { SCENARIOS } from '../src/http.js';
import { runBench } from '../src/main.js';
import { SQL_LAYER_POINTS, SQL_LAYER_RUNNERS } from '../src/sql-layer.js';

test('the smoke benchmark produces a complete report', async () => {
  const report = await runBench(['--smoke'], () => {});
  const servers = ['raas-customers', 'raw node:http', 'bare Express 5', 'Prism mock'];
  expect(report.http?.rows).toHaveLength(servers.length * SCENARIOS.length);
  for (const server of servers) {
    const rows = report.http!.rows.filter((row) => row.server === server);
    expect(rows.map((row) => row.scenario).sort()).toEqual(SCENARIOS.map((s) => s.name).sort());
    for (const row of rows) expect(row.requestsPerSecond, `${server} ${row.scenario}`).toBeGreaterThan(0);
    expect(report.http!.peakRssMb[server]).toBeGreaterThan(0);
  }
  // Our server must have answered every request as intended: a benchmark of errors measures nothing.
  // (Timeouts are load's business; a non-2xx answer or a failed connection is a bug.)
  for (const row of report.http!.rows.filter((r) => r.server === 'raas-customers')) {
    expect(row.non2xx, row.scenario).toBe(0);
    expect(row.errors, row.scenario).toBe(0);
  }
  expect(report.targets!.length).toBeGreaterThanOrEqual(8);
  // Every hostile body got its refusal (never a 5xx, never accepted), beside the normal 400.
  expect(report.hostile?.map((row) => row.status)).toEqual([400, 400, 403, 400, 400, 400]);
  // Transfers: both stores, ours and the bare SQL transaction, every transfer applied (none refused or failed).
  expect(report.transfer?.map((row) => `${row.store} ${row.runner}`)).toEqual([
    'sqlite raas-customers',
    'sqlite bare SQL',
    'postgres raas-customers',
    'postgres bare SQL',
  ]);
  for (const row of report.transfer!) {
    expect(row.transfersPerSecond, `${row.store} ${row.runner}`).toBeGreaterThan(0);
    expect(row.failures, `${row.store} ${row.runner}`).toBe(0);
  }
  expect(report.targets!.filter((check) => check.target.startsWith('transfer on '))).toHaveLength(2);
  expect(report.scale?.map((row) => `${row.store}@${row.customers}`)).toEqual([
    'sqlite@1000',
    'sqlite@5000',
    'postgres@1000',
    'postgres@5000',
  ]);
  for (const row of report.scale!) expect(row.firstPageMs).toBeGreaterThan(0);
  // The sandbox controls at a test's size, on both stores.
  expect(report.sandbox?.map((row) => `${row.store}: ${row.customers} customers, ${row.accounts} accounts`)).toEqual([
    'sqlite: 20 customers, 50 accounts',
    'postgres: 20 customers, 50 accounts',
  ]);
  for (const row of report.sandbox!) expect(row.resetMs * row.restoreMs * row.seedMs).toBeGreaterThan(0);
  // The SQL layer: every scenario on both stores, each with our seam, Kysely and Kysely-built on ours, no operation failed.
  const sqlLayer = report.sqlLayer!;
  const points = SQL_LAYER_POINTS.map((point) => `${point.scenario} c=${Math.max(...point.concurrency)}`);
  for (const store of ['sqlite', 'postgres']) {
    for (const runner of SQL_LAYER_RUNNERS) {
      const rows = sqlLayer.rows.filter((row) => row.store === store && row.runner === runner);
      expect(
        rows.map((row) => `${row.scenario} c=${row.concurrency}`),
        `${store} ${runner}`,
      ).toEqual(points);
      for (const row of rows) {
        expect(row.perSecond, `${store} ${runner} ${row.scenario}`).toBeGreaterThan(0);
        expect(row.failures, `${store} ${runner} ${row.scenario}`).toBe(0);
      }
    }
    const compiled = sqlLayer.compile.filter((cost) => cost.dialect === store);
    expect(compiled.length, store).toBeGreaterThanOrEqual(7);
    for (const cost of compiled) expect(cost.microsPerStatement, `${store} ${cost.statement}`).toBeGreaterThan(0);
  }
  const latest = fileURLToPath(new URL('../reports/latest.md', import.meta.url));
  expect(existsSync(latest)).toBe(true);
  expect(readFileSync(latest, 'utf8')).toContain('## Lists at scale');
  expect(readFileSync(latest, 'utf8')).toContain('## Transfers');
  expect(readFileSync(latest, 'utf8')).toContain('## SQL layer');
});
