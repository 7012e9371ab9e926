// The built API reference (dist/index.html) in a real browser: Debian's Chromium, driven by
// playwright-core, on a static server of dist/ started here. The page must render every
// operation of the bundled spec, load nothing but itself and log no error.
//
// Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it). Nothing here ever
// downloads a browser: playwright-core has no browser of its own and is given Debian's.
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const TITLE = 'RaaS Customers API';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(packageDir, 'dist');
const results = join(packageDir, 'test-results');

// ---------------------------------------------------------------------------------------------
// The operations of the bundled spec

interface Operation {
  method: string;
  path: string;
  operationId: string;
  summary: string;
  tag: string;
}

interface Spec {
  info: { title: string; version: string };
  paths: Record<string, Record<string, { operationId?: string; summary?: string; tags?: string[] }>>;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

async function loadOperations(document: 'openapi' | 'sandbox' = 'openapi'): Promise<{ spec: Spec; operations: Operation[] }> {
  const file = createRequire(import.meta.url).resolve(`@raas-customers/openapi/${document}.json`);
  const spec = JSON.parse(await readFile(file, 'utf8')) as Spec;
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const { operationId = `${method} ${path}`, summary, tags = [] } = operation;
      if (!summary) throw new Error(`${operationId} has no summary in ${file}`);
      const tag = tags[0];
      if (!tag) throw new Error(`${operationId} has no tag in ${file}: the docs group operations by tag`);
      operations.push({ method, path, operationId, summary, tag });
    }
  }
  return { spec, operations };
}

// ---------------------------------------------------------------------------------------------
// A static server of dist/ on 127.0.0.1

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.yaml': 'application/yaml',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

async function serveStatic(root: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const file = resolve(root, `.${pathname.endsWith('/') ? `${pathname}index.html` : pathname}`);
    const inside = file.startsWith(root + sep);
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !inside || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ready);
  });
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}` };
}

// ---------------------------------------------------------------------------------------------

/**
 * A heading whose text is exactly `text`. Redoc puts a "link to …" anchor inside its headings,
 * which is part of their accessible name but not of their text.
 */
function heading(scope: Locator, text: string): Locator {
  return scope.getByRole('heading').filter({ hasText: new RegExp(`^\\s*${escapeRegExp(text)}\\s*$`) });
}

/** A sidebar entry of an operation: its summary, then its method badge. */
function menuEntry(menu: Locator, operation: Operation): Locator {
  const name = new RegExp(`^${escapeRegExp(operation.summary)}\\s*(${operation.method})?$`, 'i');
  return menu.getByRole('link', { name }).filter({ visible: true });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('the API reference page (dist/index.html) in Chromium', () => {
  let spec: Spec;
  let operations: Operation[];
  let server: Server | undefined;
  let origin: string;
  let profile: string | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];

  /** data: and blob: URLs stay inside the page; anything else must come from the local server. */
  const isLocal = (url: string): boolean => url.startsWith('data:') || url.startsWith('blob:') || url.startsWith(`${origin}/`);

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed: ${CHROMIUM} is missing. Install Debian's browser with ` +
          '`apt-get update && apt-get install -y chromium` (.ci/run does this on CI). ' +
          'This test never downloads a browser of its own.',
      );
    }
    if (!existsSync(join(dist, 'index.html'))) {
      throw new Error(`${join(dist, 'index.html')} is missing: build it first (pnpm turbo run build --filter=@raas-customers/docs)`);
    }
    ({ spec, operations } = await loadOperations());
    ({ server, origin } = await serveStatic(dist));

    profile = mkdtempSync(join(tmpdir(), 'raas-docs-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1440, height: 900 },
      deviceScaleFactor: 1,
      colorScheme: 'light',
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    context.on('request', (request) => requests.push(request.url()));
    // Nothing may leave the machine, even when the page tries: such requests are recorded above
    // (and fail the last test) and aborted here.
    await context.route(
      (url) => !isLocal(url.href),
      (route) => route.abort('blockedbyclient'),
    );
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => pageErrors.push(error.stack ?? error.message));

    await page.goto(`${origin}/`, { waitUntil: 'load' });
    // The HTML is prerendered; the sidebar footer's logo appears only once React has hydrated
    // the page, so after this the page is interactive.
    await page.locator('img[alt="redocly logo"]').waitFor({ state: 'attached' });
  });

  afterAll(async () => {
    await context?.close();
    await new Promise((closed) => (server ? server.close(closed) : closed(undefined)));
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('is titled with the product name and shows it as the heading', async () => {
    expect(spec.info.title).toBe(TITLE);
    expect(await page.title()).toBe(TITLE);
    const heading = page.locator('[data-testid="middle-panel"] h1').first();
    await heading.waitFor({ state: 'visible' });
    expect(await heading.textContent()).toBe(`${TITLE} (${spec.info.version})`);
  });

  it("renders the spec's introduction for integrators", async () => {
    const middle = page.locator('[data-testid="middle-panel"]');
    for (const section of ['Authentication', 'Requests and responses', 'Identifiers', 'Lists', 'Errors', 'Environments']) {
      await heading(middle, section).waitFor({ state: 'visible' });
    }
    // the ErrorInfo table and the field-error table with their i18n keys, as tables
    for (const i18nKey of [
      '400.001',
      '401.501',
      '403.007',
      '403.017',
      '404.002',
      '409.012',
      '409.017',
      '413.001',
      '415.001',
      '422.128',
      '422.501',
      '422.134',
    ]) {
      await middle.getByRole('cell', { name: i18nKey, exact: true }).waitFor({ state: 'visible' });
    }
    // how unknown body properties are treated, strict mode, and HEAD
    for (const text of ['STRICT_BODIES=true', 'also answers HEAD']) {
      await middle.getByText(text, { exact: false }).first().waitFor({ state: 'attached' });
    }
  });

  it('documents every operation of the bundled spec', async () => {
    expect(operations.length, 'operations in the bundled spec').toBeGreaterThan(0);
    const menu = page.locator('[data-component-name="Menu/Menu"]');
    const middle = page.locator('[data-testid="middle-panel"]');
    for (const operation of operations) {
      // Open the operation's tag in the sidebar, then the operation itself.
      const entry = menuEntry(menu, operation);
      if ((await entry.count()) === 0) {
        await menu.getByRole('link', { name: operation.tag, exact: true }).click();
      }
      await entry.first().waitFor({ state: 'visible' });
      await entry.first().click();
      const title = heading(middle, operation.summary);
      await title.waitFor({ state: 'visible' }).catch((error: unknown) => {
        throw new Error(`${operation.operationId}: "${operation.summary}" is not shown as a heading`, { cause: error });
      });
      expect(await title.isVisible(), `${operation.operationId}: "${operation.summary}" visible`).toBe(true);
    }
    // The last tag's page, with its operations in the sidebar, for a look by a person.
    mkdirSync(results, { recursive: true });
    await page.screenshot({ path: join(results, 'docs-operation.png') });
  });

  it('offers the bundled spec for download from the same site', async () => {
    await page.goto(`${origin}/`, { waitUntil: 'load' });
    await page.locator('img[alt="redocly logo"]').waitFor({ state: 'attached' });
    for (const name of ['openapi.yaml', 'openapi.json']) {
      const link = page.locator(`a[href$="${name}"]`).first();
      await link.waitFor({ state: 'attached' });
      const href = new URL((await link.getAttribute('href')) ?? '', page.url()).href;
      expect(href).toBe(`${origin}/${name}`);
      const response = await fetch(href);
      expect(response.status, href).toBe(200);
    }
    expect(JSON.parse(await (await fetch(`${origin}/openapi.json`)).text())).toEqual(spec);
  });

  it('saves a full-page screenshot', async () => {
    mkdirSync(results, { recursive: true });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(results, 'docs.png'), fullPage: true });
  });

  it('requested nothing but the local server and logged no error', () => {
    expect(requests.length, 'the page made no request at all').toBeGreaterThan(0);
    expect(
      requests.filter((url) => !isLocal(url)),
      `requests that left ${origin}`,
    ).toEqual([]);
    expect(consoleErrors, 'console errors').toEqual([]);
    expect(pageErrors, 'uncaught page errors').toEqual([]);
  });
});

describe("the sandbox controls' page (dist/sandbox.html) in Chromium", () => {
  let server: Server | undefined;
  let origin: string;
  let profile: string | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  const requests: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(dist, 'sandbox.html'))) {
      throw new Error(`${join(dist, 'sandbox.html')} is missing: build it first (pnpm turbo run build --filter=@raas-customers/docs)`);
    }
    ({ server, origin } = await serveStatic(dist));
    profile = mkdtempSync(join(tmpdir(), 'raas-docs-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    context.on('request', (request) => requests.push(request.url()));
    await context.route(
      (url) => !(url.href.startsWith('data:') || url.href.startsWith('blob:') || url.href.startsWith(`${origin}/`)),
      (route) => route.abort('blockedbyclient'),
    );
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (error) => pageErrors.push(error.stack ?? error.message));
    await page.goto(`${origin}/sandbox.html`, { waitUntil: 'load' });
    await page.locator('img[alt="redocly logo"]').waitFor({ state: 'attached' });
  });

  afterAll(async () => {
    await context?.close();
    await new Promise((closed) => (server ? server.close(closed) : closed(undefined)));
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('documents every control of the sandbox spec, offers it for download, and loads nothing else', async () => {
    const { spec, operations } = await loadOperations('sandbox');
    expect(await page.title()).toBe(spec.info.title);
    const menu = page.locator('[data-component-name="Menu/Menu"]');
    const middle = page.locator('[data-testid="middle-panel"]');
    for (const section of ['Authentication and scope', 'Fault rules and the fault header', 'Test clock', 'Reset, snapshots and seeds']) {
      await heading(middle, section).waitFor({ state: 'visible' });
    }
    for (const operation of operations) {
      const entry = menuEntry(menu, operation);
      if ((await entry.count()) === 0) await menu.getByRole('link', { name: operation.tag, exact: true }).click();
      await entry.first().click();
      await heading(middle, operation.summary).waitFor({ state: 'visible' });
    }
    expect(JSON.parse(await (await fetch(`${origin}/sandbox.json`)).text())).toEqual(spec);
    expect(requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:') && !url.startsWith('blob:'))).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
