/**
 * Spec-driven fuzzing: requests generated from the bundled OpenAPI document by fast-check, valid
 * and broken in every way (test/support/fuzz-requests.ts says how), sent 8 at a time to a live
 * server on each store. It proves, for every response:
 *   - no 5xx, ever;
 *   - exactly the status the request deserves (the spec is the oracle for valid/invalid, the
 *     server's documented order decides which error wins), and the i18nKey of that cause;
 *   - the status is documented for the operation, and the body matches the spec's schema for it
 *     (ErrorInfo for every error, with httpCode = status, requestId = X-REQUEST-ID and the path);
 *   - the stored state changed only through accepted writes: after every batch the database holds
 *     exactly what the 201/200 answers of that batch and earlier ones said, so no rejected request
 *     (400, 401, 403, 404, 409, 413, 415, 429...) left a row or changed one.
 *
 * Reproduce a run with FUZZ_SEED=<seed printed below>; FUZZ_REQUESTS=<n> changes the size (the
 * default, 10,000 in all, is split 60/40 between SQLite and PostgreSQL). Problems are collected
 * rather than thrown at the first one, so a run reports every distinct failure (grouped by
 * operation, cause and status) with one exact request for each.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Account, Customer } from '../src/domain/model.js';
import { STORE_KINDS, type StoreKind, type TestServer, basic, startTestServer } from './support/harness.js';
import {
  API,
  AUTHORITY_SECRET,
  type FuzzCase,
  type Who,
  errorInfoProblems,
  expectedFor,
  fuzzCase,
  renderAuth,
  renderBody,
} from './support/fuzz-requests.js';
import { type RawResponse, inPool, rawClient } from './support/http.js';
import { operations, responseProblems } from './support/spec.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_240_611);
const TOTAL = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const REQUESTS: Record<StoreKind, number> = { sqlite: Math.ceil(TOTAL * 0.6), postgres: Math.floor(TOTAL * 0.4) };
const BATCH = 8;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

console.log(`fuzz: seed ${SEED} (FUZZ_SEED to reproduce), ${REQUESTS.sqlite} requests on sqlite + ${REQUESTS.postgres} on postgres`);

// ---------------------------------------------------------------------------------------------
// What the database must hold: built only from the answers to accepted writes.

interface CustomerState {
  customerIdentifier: string;
  displayName: string;
  status: string;
  createdAt: string;
}
interface PlatformState {
  customers: Map<string, CustomerState>;
  accounts: Map<string, { account: Account; customer: string }>;
}

const platformOf = (who: Who) => (who === 'two' ? 'two' : 'one');

/** JSON with sorted keys, so that equal objects compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

class Problems {
  readonly groups = new Map<string, { count: number; example: string }>();
  add(signature: string, example: string): void {
    const group = this.groups.get(signature);
    if (group) group.count++;
    else this.groups.set(signature, { count: 1, example });
  }
  report(): string {
    return [...this.groups.entries()].map(([signature, { count, example }]) => `• ${signature} (${count}×)\n    ${example}`).join('\n');
  }
}

function describeRequest(c: FuzzCase, rendered: ReturnType<typeof renderBody>, response?: RawResponse): string {
  const body = rendered.data
    ? rendered.data.subarray(0, 160).toString('utf8') + (rendered.data.length > 160 ? `… (${rendered.data.length} bytes)` : '')
    : '';
  const auth = c.auth.kind === 'valid' ? `valid:${c.auth.who}` : `broken:${c.auth.how}`;
  const answer = response ? `→ ${response.status} ${response.text.slice(0, 300)}` : '';
  return `${c.method} ${c.authority ?? ''}${c.target.slice(0, 200)}${c.target.length > 200 ? `… (${c.target.length} chars)` : ''} [${auth}] ${JSON.stringify(rendered.headers)} ${JSON.stringify(body)} ${answer}`;
}

/** Every check of one response against what the request deserves and what the spec documents. */
function responseProblemsOf(c: FuzzCase, rendered: ReturnType<typeof renderBody>, response: RawResponse): string[] {
  const expected = expectedFor(c, rendered);
  const problems: string[] = [];
  const { status, json } = response;
  if (status >= 500) problems.push(`answered ${status}`);
  else if (!expected.statuses.includes(status))
    problems.push(`answered ${status}, expected ${expected.statuses.join('/')} (${expected.because})`);

  if (response.text.includes(AUTHORITY_SECRET)) problems.push('echoed the user information of an absolute-form target');
  const requestId = response.headers['x-request-id'];
  if (typeof requestId !== 'string' || !UUID.test(requestId)) problems.push('no X-REQUEST-ID');
  if (!String(response.headers['content-type'] ?? '').startsWith('application/json'))
    problems.push(`content-type ${response.headers['content-type']}`);

  if (status >= 400) {
    const info = json as { httpCode?: number; requestId?: string; path?: string; i18nKey?: string } | undefined;
    const schema = errorInfoProblems(json);
    if (schema.length > 0) problems.push(`not an ErrorInfo: ${schema.join('; ')}`);
    else {
      if (info!.httpCode !== status) problems.push(`httpCode ${info!.httpCode}`);
      if (info!.requestId !== requestId) problems.push('requestId differs from X-REQUEST-ID');
      if (info!.path !== c.target.split('?')[0]) problems.push(`path ${JSON.stringify(info!.path).slice(0, 80)}`);
      const keys = expected.keys?.filter((key) => key.startsWith(`${status}.`));
      if (keys && keys.length > 0 && !keys.includes(String(info!.i18nKey)))
        problems.push(`i18nKey ${info!.i18nKey}, expected ${keys.join('/')}`);
    }
    if (status === 401 && !response.headers['www-authenticate']) problems.push('401 without WWW-Authenticate');
    if (status === 429 && !/^[1-9]\d*$/.test(String(response.headers['retry-after'])))
      problems.push('429 without a Retry-After in seconds');
  }
  if (c.operation && status < 500) {
    if (!c.operation.statuses.includes(String(status))) problems.push(`${status} is not documented for ${c.operation.operationId}`);
    else problems.push(...responseProblems(c.operation, status, json).map((p) => `body: ${p}`));
  }
  return problems;
}

/** The decoded path parameters of a request that reached the domain. */
function pathValues(c: FuzzCase): Record<string, string> {
  return Object.fromEntries(Object.entries(c.params ?? {}).map(([name, { raw }]) => [name, decodeURIComponent(raw)]));
}

describe.each(STORE_KINDS)('fuzzing on %s', (kind) => {
  let server: TestServer;
  let state: Record<'one' | 'two', PlatformState>;
  let platformIds: Record<'one' | 'two', number>;

  beforeAll(async () => {
    // A low failure limit, so that the run sees both 401 and, once throttled, 429.
    server = await startTestServer(kind, { authFailureLimit: 200 });
    platformIds = {
      one: (await server.store.findPlatform('platform-one'))!.id,
      two: (await server.store.findPlatform('platform-two'))!.id,
    };
    state = { one: { customers: new Map(), accounts: new Map() }, two: { customers: new Map(), accounts: new Map() } };
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Compares the whole database with the model; patched accounts may hold any of their 200 answers. */
  async function compareWithDatabase(problems: Problems, patched: Map<string, Account[]>, example: string): Promise<void> {
    for (const platform of ['one', 'two'] as const) {
      const model = state[platform];
      const id = platformIds[platform];
      const customers = (await server.store.listCustomers(id, { customerIdentifiers: null }, {}, { limit: 1_000_000 })).map(
        (p) => p.item as Customer,
      );
      const accounts = (await server.store.listAccounts(id, { customerIdentifiers: null }, {}, { limit: 1_000_000 })).map(
        (p) => p.item as Account,
      );
      const where = `platform ${platform}`;
      const customerIds = new Set(customers.map((c) => c.customerIdentifier));
      for (const c of customers) {
        const expected = model.customers.get(c.customerIdentifier);
        const { accounts: summaries, ...fields } = c;
        if (!expected) problems.add(`${where}: a customer exists that no 201 announced`, `${c.customerIdentifier} after ${example}`);
        else if (canonical(fields) !== canonical(expected))
          problems.add(`${where}: a customer changed`, `${JSON.stringify(fields)} ≠ ${JSON.stringify(expected)} after ${example}`);
        for (const summary of summaries) {
          const owner = model.accounts.get(summary.accountIdentifier)?.customer;
          if (owner !== c.customerIdentifier)
            problems.add(
              `${where}: an account sits under the wrong customer`,
              `${summary.accountIdentifier} under ${c.customerIdentifier}, model says ${owner}`,
            );
        }
      }
      for (const id of model.customers.keys())
        if (!customerIds.has(id)) problems.add(`${where}: a customer whose 201 was received is missing`, id);
      const accountIds = new Set(accounts.map((a) => a.accountIdentifier));
      for (const a of accounts) {
        const expected = model.accounts.get(a.accountIdentifier);
        const candidates = patched.get(`${platform}/${a.accountIdentifier}`);
        if (!expected) {
          problems.add(`${where}: an account exists that no 201 announced`, `${a.accountIdentifier} after ${example}`);
        } else if (candidates) {
          if (!candidates.some((candidate) => canonical(candidate) === canonical(a))) {
            problems.add(`${where}: a patched account holds none of its 200 answers`, `${JSON.stringify(a)} after ${example}`);
          }
          expected.account = a;
        } else if (canonical(a) !== canonical(expected.account)) {
          problems.add(
            `${where}: an account changed without an accepted write`,
            `${JSON.stringify(a)} ≠ ${JSON.stringify(expected.account)} after ${example}`,
          );
        }
      }
      for (const id of model.accounts.keys())
        if (!accountIds.has(id)) problems.add(`${where}: an account whose 201 was received is missing`, id);
    }
  }

  test(`at least ${REQUESTS[kind]} generated requests: exact statuses, spec-valid bodies, no 5xx, no stray writes`, {
    timeout: 120_000,
  }, async () => {
    const creds: Record<Who, { name: string; key: string }> = {
      one: server.one,
      two: server.two,
      readOnly: server.oneReadOnly,
      restricted: server.oneRestricted,
    };
    const client = rawClient(server.baseUrl, BATCH);
    const problems = new Problems();
    const statuses = new Map<number, number>();
    const reachedDomain = { count: 0 };
    let bareWhileThrottled = 0;
    let sent = 0;
    const started = performance.now();

    await fc.assert(
      fc.asyncProperty(fc.array(fuzzCase, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        const rendered = batch.map((c) => renderBody(c.body));
        const responses = await inPool(batch, BATCH, async (c, i) => {
          const r = rendered[i]!;
          const authorization = renderAuth(c.auth, creds);
          const headers = { ...r.headers, ...(authorization === undefined ? {} : { authorization }) };
          try {
            return await client.send({
              method: c.method,
              path: `${c.authority ?? ''}${c.target}`,
              headers,
              body: r.data,
              chunked: r.chunked,
            });
          } catch (error) {
            problems.add(`${c.label.split(':')[0]}: no answer (${(error as Error).message})`, describeRequest(c, r));
            return undefined;
          } finally {
            sent++;
          }
        });

        const created = new Set<string>();
        const patched = new Map<string, Account[]>();
        const before = { one: new Set(state.one.customers.keys()), two: new Set(state.two.customers.keys()) };
        const accountsBefore = { one: new Set(state.one.accounts.keys()), two: new Set(state.two.accounts.keys()) };
        const namesOf = (p: 'one' | 'two') => new Set([...state[p].accounts.values()].map((a) => a.account.displayName));
        const namesBefore = { one: namesOf('one'), two: namesOf('two') };
        batch.forEach((c, i) => {
          const response = responses[i];
          if (!response) return;
          // A request without credentials once this address is throttled: it must still be a 401.
          if (c.auth.kind === 'broken' && c.auth.how === 'missing' && statuses.has(429)) bareWhileThrottled++;
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const r = rendered[i]!;
          const found = responseProblemsOf(c, r, response);
          const expected = expectedFor(c, r);
          // One group per operation, cause, status and problem (numbers such as lengths and depths folded).
          if (found.length > 0)
            problems.add(
              `${c.label.split(':')[0]} [${expected.because.replace(/\d+/g, 'N')}] → ${response.status}: ${found[0]!.replace(/\d{4,}/g, 'N')}`,
              describeRequest(c, r, response),
            );
          if (c.auth.kind !== 'valid' || c.route !== 'operation' || response.status >= 300 || expected.because.startsWith('invalid'))
            return;
          reachedDomain.count++;
          const platform = platformOf(c.auth.who);
          const model = state[platform];
          const path = pathValues(c);
          const body = response.json as Record<string, unknown>;
          const sentBody = r.parsed as Record<string, unknown>;
          switch (c.operation!.operationId) {
            case 'createCustomer': {
              const id = String(body.customerIdentifier);
              if (before[platform].has(id))
                problems.add('createCustomer answered 201 for an identifier that existed', describeRequest(c, r, response));
              if (id !== sentBody.customerIdentifier || body.displayName !== sentBody.displayName)
                problems.add('createCustomer 201 differs from the request', describeRequest(c, r, response));
              model.customers.set(id, {
                customerIdentifier: id,
                displayName: String(body.displayName),
                status: String(body.status),
                createdAt: String(body.createdAt),
              });
              created.add(`${platform}/c/${id}`);
              break;
            }
            case 'createCustomerAccount': {
              const account = body as unknown as Account;
              if (accountsBefore[platform].has(account.accountIdentifier))
                problems.add('createCustomerAccount answered 201 for an identifier that existed', describeRequest(c, r, response));
              if (!model.customers.has(path.customerIdentifier!))
                problems.add('an account was opened for a customer the model does not know', describeRequest(c, r, response));
              model.accounts.set(account.accountIdentifier, { account, customer: path.customerIdentifier! });
              created.add(`${platform}/a/${account.accountIdentifier}`);
              break;
            }
            case 'updateCustomerAccount': {
              const key = `${platform}/${path.accountIdentifier}`;
              patched.set(key, [...(patched.get(key) ?? []), body as unknown as Account]);
              break;
            }
          }
        });
        // A 409 must name something that existed before the batch or was created in it: an
        // identifier, or (409.017) a display name that an account held before or after the batch.
        batch.forEach((c, i) => {
          const response = responses[i];
          if (response?.status !== 409 || c.auth.kind !== 'valid') return;
          // A funding 409 (409.001) is a repeated externalRefID or threshold, not an identifier.
          if (!['createCustomer', 'createCustomerAccount', 'updateCustomerAccount'].includes(c.operation!.operationId)) return;
          const platform = platformOf(c.auth.who);
          const sentBody = rendered[i]!.parsed as Record<string, string>;
          if ((response.json as { i18nKey?: string }).i18nKey === '409.017') {
            const names = new Set([...namesBefore[platform], ...[...state[platform].accounts.values()].map((a) => a.account.displayName)]);
            for (const answers of patched.values()) for (const answer of answers) names.add(answer.displayName);
            if (!names.has(sentBody.displayName!))
              problems.add(
                `${c.operation!.operationId} answered 409.017 for a display name no account held`,
                describeRequest(c, rendered[i]!, response),
              );
            return;
          }
          const [set, kindKey, id] =
            c.operation!.operationId === 'createCustomer'
              ? [before[platform], 'c', sentBody.customerIdentifier!]
              : [accountsBefore[platform], 'a', sentBody.accountIdentifier!];
          if (!set.has(id) && !created.has(`${platform}/${kindKey}/${id}`))
            problems.add(
              `${c.operation!.operationId} answered 409 for an identifier that does not exist`,
              describeRequest(c, rendered[i]!, response),
            );
        });
        await compareWithDatabase(
          problems,
          patched,
          `a batch of ${batch
            .map((c) => c.label)
            .join(' | ')
            .slice(0, 600)}`,
        );
      }),
      { seed: SEED, numRuns: Math.ceil(REQUESTS[kind] / BATCH), endOnFailure: true },
    );
    client.close();

    const seconds = (performance.now() - started) / 1000;
    const histogram = [...statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}:${n}`)
      .join(' ');
    console.log(
      `fuzz ${kind}: seed ${SEED}, ${sent} requests in ${seconds.toFixed(1)} s (${Math.round(sent / seconds)}/s), ` +
        `${reachedDomain.count} accepted by the domain, ${state.one.customers.size + state.two.customers.size} customers and ` +
        `${state.one.accounts.size + state.two.accounts.size} accounts created; statuses ${histogram}; ` +
        `${bareWhileThrottled} requests without credentials once throttled`,
    );
    expect(sent).toBeGreaterThanOrEqual(REQUESTS[kind]);
    // The throttle engaged and bare requests kept coming (and got their 401, checked above).
    if (REQUESTS[kind] >= 2_000) expect(bareWhileThrottled).toBeGreaterThan(0);
    expect(problems.groups.size, `seed ${SEED} on ${kind}: ${problems.groups.size} distinct problems\n${problems.report()}`).toBe(0);
    // Nothing half-written: every balance is still the sum of its account's ledger entries.
    expect((await server.store.verifyLedger()).differences).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// What the fuzzer found, pinned as plain examples (each failed before its fix).

describe.each(STORE_KINDS)('found by fuzzing, on %s', (kind) => {
  let server: TestServer;
  let auth: Record<string, string>;
  beforeAll(async () => {
    server = await startTestServer(kind);
    auth = { authorization: basic(server.one) };
  });
  afterAll(async () => {
    await server?.close();
  });

  async function send(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
    const client = rawClient(server.baseUrl, 1);
    try {
      return await client.send({ method, path: `${API}${path}`, headers: { ...auth, ...headers }, body });
    } finally {
      client.close();
    }
  }

  // error-handler.ts echoes the whole rejected value as `invalidValue`: a deeply nested value
  // overflows JSON.stringify inside the error handler, and Express's fallback answers an HTML page
  // with the stack trace.
  test.each([
    ['a deeply nested array as the body', '['.repeat(5000) + ']'.repeat(5000)],
    ['a deeply nested array in a property', `{"customerIdentifier":"deep-nesting","displayName":${'['.repeat(5000)}${']'.repeat(5000)}}`],
    [
      'a deeply nested object in a property',
      `{"customerIdentifier":"deep-nesting","displayName":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`,
    ],
  ])('%s is a 400 ErrorInfo, never an HTML page or a stack trace', async (_name, body) => {
    const response = await send('POST', '/customers', { 'content-type': 'application/json' }, body);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.text).not.toMatch(/RangeError|at JSON\.stringify|node_modules/);
    expect(errorInfoProblems(response.json)).toEqual([]);
    expect((await send('GET', '/customers')).status).toBe(200);
  });

  // An unknown property is dropped without being walked, however deep it is (lenient mode).
  test('a deeply nested unknown property is ignored', async () => {
    const body = `{"customerIdentifier":"deep-unknown","displayName":"Deep unknown","x":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    const response = await send('POST', '/customers', { 'content-type': 'application/json' }, body);
    expect(response.status, response.text).toBe(201);
    expect(response.json).not.toHaveProperty('x');
  });

  // express-openapi-validator's ajv checks uniqueItems with fast-deep-equal, which calls
  // `a.valueOf()` and throws a TypeError when an item has an own "valueOf" (or "toString") key.
  // Such names are unknown properties: dropped (lenient mode) before the validator sees them, so
  // these items are empty and each lacks its emailAddress.
  test.each([
    [
      'POST',
      '/customers/acme-retail-us/accounts',
      {
        accountIdentifier: 'value-of-items',
        displayName: 'Bonus pool',
        contactEmail: 'a@acme.example',
        fundingNotification: [{ valueOf: 'x' }, { valueOf: 'y' }],
      },
    ],
    [
      'POST',
      '/customers/acme-retail-us/accounts',
      {
        accountIdentifier: 'to-string-items',
        displayName: 'Bonus pool',
        contactEmail: 'a@acme.example',
        fundingNotification: [{ toString: 'x' }, { toString: 'y' }],
      },
    ],
    ['PATCH', '/customers/acme-retail-us/accounts/acme-q4-bonus', { fundingNotification: [{ valueOf: 'x' }, { valueOf: 'y' }] }],
  ] as const)(
    '%s %s with items holding only a "valueOf" or "toString" property is a 400 for the missing address',
    async (method, path, body) => {
      await send(
        'POST',
        '/customers',
        { 'content-type': 'application/json' },
        JSON.stringify({ customerIdentifier: 'acme-retail-us', displayName: 'Acme Retail US' }),
      );
      await send(
        'POST',
        '/customers/acme-retail-us/accounts',
        { 'content-type': 'application/json' },
        JSON.stringify({ accountIdentifier: 'acme-q4-bonus', displayName: 'Bonus pool', contactEmail: 'a@acme.example' }),
      );
      const response = await send(method, path, { 'content-type': 'application/json' }, JSON.stringify(body));
      expect(response.status, response.text).toBe(400);
      expect((response.json as { errors?: { path: string; constraint: string }[] }).errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ path: 'fundingNotification[0].emailAddress', constraint: 'NotNull' })]),
      );
    },
  );

  // Filter values that could never match stored data (a NUL in a text filter) or do not fit a
  // balance (beyond a trillion) are refused by the spec with a 400 naming the parameter, rather
  // than reaching the store (where PostgreSQL answered 500 before the spec bounded them).
  test.each([
    ['/customers?displayName=%00', 'displayName'],
    ['/customers?status=a%00b', 'status'],
    ['/customers?accountDisplayName=%00', 'accountDisplayName'],
    ['/accounts?displayName=%00', 'displayName'],
    ['/customers/acme-retail-us/accounts?displayName=%00', 'displayName'],
    ['/accounts?minBalance=1e20', 'minBalance'],
    ['/accounts?maxBalance=-1e20', 'maxBalance'],
    ['/accounts?maxBalance=1e308', 'maxBalance'],
    ['/accounts?paginate=true&minBalance=1e20', 'minBalance'],
  ])('GET %s is a 400 naming %s', async (path, parameter) => {
    if (path.startsWith('/customers/acme-retail-us/')) {
      await send(
        'POST',
        '/customers',
        { 'content-type': 'application/json' },
        JSON.stringify({ customerIdentifier: 'acme-retail-us', displayName: 'Acme Retail US' }),
      );
    }
    const response = await send('GET', path);
    expect(response.status, response.text).toBe(400);
    expect((response.json as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([parameter]);
  });

  // Date-times the validator's format accepts but Date.parse cannot read (a leap second, an
  // offset past 23:59, an hour 25), and numbers JSON cannot hold: a 400 naming the parameter or a
  // 200, as long as it is never a 500 (the value reaches the store as NaN or Infinity today).
  test.each([
    '/customers?customerMinDateCreatedAt=2020-06-30T23:59:60Z',
    '/customers?customerMaxDateCreatedAt=2020-01-01T00:00:00%2B25:00',
    '/customers?accountMinDateCreatedAt=2020-01-01T25:61:00Z',
    '/accounts?minDateCreatedAt=2020-06-30T23:59:60Z',
    '/accounts?minBalance=Infinity',
    '/accounts?maxBalance=1e400',
  ])('GET %s is a 200 or a 400, never a 500', async (path) => {
    const response = await send('GET', path);
    expect([200, 400], response.text).toContain(response.status);
    if (response.status === 400) expect(errorInfoProblems(response.json)).toEqual([]);
  });

  // A GET with a body of another media type is refused with 415, which no GET operation documents.
  test('a GET with a text/plain body answers a status its operation documents', async () => {
    const undocumented: string[] = [];
    for (const op of operations.filter((o) => o.method === 'GET')) {
      const path = op.path.replace('{customerIdentifier}', 'acme-retail-us').replace('{accountIdentifier}', 'acme-q4-bonus');
      const response = await send('GET', path, { 'content-type': 'text/plain' }, 'hello');
      expect(response.status).toBeLessThan(500);
      if (!op.statuses.includes(String(response.status))) undocumented.push(`${op.operationId} ${response.status}`);
    }
    expect(undocumented).toEqual([]);
  });

  // Over-long URLs are refused with 414 (app.ts) before anything else, but no operation documents 414.
  test('an over-long URL answers 414 ErrorInfo on every operation, and the spec documents it', async () => {
    const undocumented: string[] = [];
    for (const op of operations) {
      const path = `${op.path.replace('{customerIdentifier}', 'acme-retail-us').replace('{accountIdentifier}', 'acme-q4-bonus')}?displayName=${'d'.repeat(5000)}`;
      const response = await send(op.method, path, { 'content-type': 'application/json' }, op.method === 'GET' ? undefined : '{}');
      expect(response.status).toBe(414);
      expect(errorInfoProblems(response.json)).toEqual([]);
      if (!op.statuses.includes('414')) undocumented.push(op.operationId);
    }
    expect(undocumented).toEqual([]);
  });
});
