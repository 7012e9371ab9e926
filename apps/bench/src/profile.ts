/**
 * Where the server spends its CPU: runs it under --cpu-prof, loads one route with autocannon for
 * a few seconds, and prints the functions with the most self time and the packages with the most
 * inclusive time. `pnpm --filter @raas-customers/bench run profile [path]` (default: GET one customer);
 * `profile transfer` POSTs 0.01 transfers back and forth between funded accounts, on SQLite, or on
 * a private PostgreSQL cluster with PROFILE_POSTGRES=1. PROFILE_CONNECTIONS (default 10) and
 * PROFILE_DURATION (seconds, default 5) set the load.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Cluster, startCluster } from '@raas-customers/pg-cluster';
import autocannon from 'autocannon';
import { serverMain } from './processes.js';
import { basic, sandboxCardRequest, startProcess, temporaryDirectory, temporaryPostgres } from '@raas-customers/test-kit';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

const outDir = fileURLToPath(new URL('../reports/profile/', import.meta.url));
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const dataDir = temporaryDirectory('raas-profile-').path;
const platform = { RAAS_PLATFORM_NAME: 'profile-platform', RAAS_PLATFORM_KEY: 'GNggSj1Q5DCOlAQFr0CJnU6tyJvY-_oYP7oFiNY1aCA' };
const transfer = process.argv[2] === 'transfer';
const cluster: Cluster | undefined = process.env.PROFILE_POSTGRES === '1' ? await startCluster() : undefined;
const database = cluster ? await temporaryPostgres(cluster.adminUrl) : undefined;
const server = await startProcess({
  name: 'server',
  args: ['--cpu-prof', `--cpu-prof-dir=${outDir}`, serverMain],
  env: { PORT: '0', LOG_LEVEL: 'info', RAAS_MODE: 'production', DATABASE_URL: database?.url ?? `file:${dataDir}/raas.db`, ...platform },
  ready: /listening on (http:\/\/[^/\s]+)/,
  keepOutput: false,
});
const origin = server.url;
const authorization = basic(platform.RAAS_PLATFORM_NAME, platform.RAAS_PLATFORM_KEY);
await fetch(`${origin}/raas/v2/customers`, {
  method: 'POST',
  headers: { authorization, 'content-type': 'application/json' },
  body: JSON.stringify({ customerIdentifier: 'profile-customer', displayName: 'Profile customer' }),
});
const post = async (path: string, body: object) => {
  const response = await fetch(`${origin}/raas/v2${path}`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as { token: string };
};
if (transfer) {
  // Two accounts of 10,000.00 each, as the transfer benchmark funds its pairs.
  for (const accountIdentifier of ['profile-left', 'profile-right']) {
    await post('/customers/profile-customer/accounts', {
      accountIdentifier,
      displayName: `Profile ${accountIdentifier}`,
      contactEmail: 'profile@acme.example',
    });
    const { token } = await post('/creditCards', sandboxCardRequest('profile-customer', accountIdentifier, { label: 'Profile card' }));
    await post('/creditCardDeposits', {
      customerIdentifier: 'profile-customer',
      accountIdentifier,
      creditCardToken: token,
      amount: 10_000,
    });
  }
}
const path = transfer ? '/raas/v2/transferFunds' : (process.argv[2] ?? '/raas/v2/customers/profile-customer');
// PROFILE_CUSTOMERS=99 gives the list scenario of the benchmark its 100 customers.
for (let i = 0; i < Number(process.env.PROFILE_CUSTOMERS ?? 0); i++) {
  await fetch(`${origin}/raas/v2/customers`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ customerIdentifier: `profile-extra-${i}`, displayName: 'Profile customer' }),
  });
}
let sent = 0;
// PROFILE_CONNECTIONS=1 shows a lone request's costs (what waits for the event loop to go idle).
const connections = Number(process.env.PROFILE_CONNECTIONS ?? 10);
const result = await autocannon({
  url: origin,
  connections,
  duration: Number(process.env.PROFILE_DURATION ?? 5),
  requests: [
    transfer
      ? {
          method: 'POST',
          path,
          headers: { authorization, 'content-type': 'application/json' },
          setupRequest: (request: autocannon.Request) => {
            const back = sent++ % 2 === 1;
            const [transferFrom, transferTo] = back ? ['profile-right', 'profile-left'] : ['profile-left', 'profile-right'];
            return { ...request, body: JSON.stringify({ transferFrom, transferTo, amount: 0.01 }) };
          },
        }
      : { method: 'GET', path, headers: { authorization } },
  ],
});
console.log(`${path}: ${result.requests.average} req/s at ${connections} connections, non-2xx ${result.non2xx}`);
// SIGINT: the server exits gracefully, and Node writes the profile.
await server.stop('SIGINT');
await database?.drop();
cluster?.destroy();
rmSync(dataDir, { recursive: true, force: true });

const file = readdirSync(outDir).find((name) => name.endsWith('.cpuprofile'))!;
const profile = JSON.parse(readFileSync(join(outDir, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const time = profile.timeDeltas[i] ?? 0;
  total += time;
  const frame = byId.get(id)!.callFrame;
  const name = `${frame.functionName || '(anonymous)'} ${frame.url.split('/node_modules/').pop()}:${frame.lineNumber}`;
  self.set(name, (self.get(name) ?? 0) + time);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
    const url = byId.get(at)!.callFrame.url;
    const owner =
      /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
      (url.includes('/apps/server/dist/') ? `server: ${url.split('/dist/')[1]}` : undefined);
    if (owner && !seen.has(owner)) {
      seen.add(owner);
      inclusive.set(owner, (inclusive.get(owner) ?? 0) + time);
    }
  }
});
const top = (map: Map<string, number>, count: number) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, time]) => `${((time / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
console.log(`\nself time\n${top(self, 25).join('\n')}`);
console.log(`\ninclusive time by package or server module (nested calls overlap)\n${top(inclusive, 20).join('\n')}`);
console.log(`\nprofile: ${join(outDir, file)} (open it in Chrome DevTools)`);
