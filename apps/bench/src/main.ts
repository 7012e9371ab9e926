/**
 * pnpm bench: the HTTP benchmark against the baselines, then lists at scale.
 *   --smoke          a few seconds of each, to prove the harness works (what CI runs)
 *   --only=http|hostile|transfer|scale|sandbox|sqllayer
 * Reports go to reports/ (not committed): latest.json and latest.md, plus dated copies.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runHostile } from './hostile.js';
import { runHttp } from './http.js';
import { type Report, checkTargets, hostileTarget, toMarkdown, transferTargets } from './report.js';
import { runSandbox } from './sandbox.js';
import { runScale } from './scale.js';
import { SQL_LAYER_POINTS, runSqlLayer } from './sql-layer.js';
import { runTransfer } from './transfer.js';

export async function runBench(argv: string[], log: (line: string) => void = console.log): Promise<Report> {
  const smoke = argv.includes('--smoke');
  const only = argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const report: Report = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    mode: smoke ? 'smoke' : 'full',
  };
  if (only === undefined || only === 'http') {
    log('HTTP: our server, raw node:http, bare Express 5, Prism');
    report.http = await runHttp(
      smoke
        ? {
            connections: [10],
            duration: 1,
            warmup: 0,
            repeats: 1,
            servers: ['raas-customers', 'raw node:http', 'bare Express 5', 'Prism mock'],
          }
        : {
            connections: [1, 10, 50],
            duration: 3,
            warmup: 1,
            repeats: 3,
            servers: ['raas-customers', 'raw node:http', 'bare Express 5', 'Prism mock'],
          },
      log,
    );
    report.targets = checkTargets(report.http);
  }
  if (only === undefined || only === 'hostile') {
    log('Hostile bodies: what one request costs the event loop, beside a normal 400');
    report.hostile = await runHostile(smoke ? { sequential: 20, rounds: 3 } : { sequential: 200, rounds: 30 }, log);
    report.targets = [...(report.targets ?? []), hostileTarget(report.hostile)];
  }
  if (only === undefined || only === 'transfer') {
    log('Transfers: our server (SQLite; PostgreSQL with two instances) beside the same transfer as bare SQL');
    report.transfer = await runTransfer(
      smoke
        ? { connections: [10], duration: 1, warmup: 0, repeats: 1, stores: ['sqlite', 'postgres'] }
        : { connections: [1, 10, 50], duration: 3, warmup: 1, repeats: 3, stores: ['sqlite', 'postgres'] },
      log,
    );
    report.targets = [...(report.targets ?? []), ...transferTargets(report.transfer)];
  }
  if (only === undefined || only === 'scale') {
    log('Lists at scale');
    report.scale = await runScale(
      smoke
        ? { sizes: [1_000, 5_000], samples: 5, stores: ['sqlite', 'postgres'] }
        : { sizes: [1_000, 100_000, 1_000_000], samples: 100, stores: ['sqlite', 'postgres'] },
      log,
    );
  }
  if (only === undefined || only === 'sandbox') {
    log('Sandbox controls: reset, restore, seed and snapshot at a typical test size');
    report.sandbox = await runSandbox({ customers: 20, accounts: 50, samples: smoke ? 3 : 30, stores: ['sqlite', 'postgres'] }, log);
  }
  if (only === undefined || only === 'sqllayer') {
    log('SQL layer: our driver seam against Kysely, in-process, on SQLite and PostgreSQL');
    report.sqlLayer = await runSqlLayer(
      smoke
        ? {
            duration: 0.2,
            warmup: 0,
            repeats: 1,
            stores: ['sqlite', 'postgres'],
            points: SQL_LAYER_POINTS.map((point) => ({ ...point, concurrency: [Math.max(...point.concurrency)] })),
            compileSamples: 200,
          }
        : { duration: 1, warmup: 0.5, repeats: 3, stores: ['sqlite', 'postgres'], points: SQL_LAYER_POINTS, compileSamples: 20_000 },
      log,
    );
  }
  const directory = fileURLToPath(new URL('../reports/', import.meta.url));
  mkdirSync(directory, { recursive: true });
  const markdown = toMarkdown(report);
  const stamp = report.date.replace(/[:.]/g, '-');
  for (const name of ['latest', `${report.mode}-${stamp}`]) {
    writeFileSync(`${directory}${name}.json`, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(`${directory}${name}.md`, `${markdown}\n`);
  }
  log(`\n${markdown}\nReport written to ${directory}latest.md`);
  return report;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runBench(process.argv.slice(2));
}
