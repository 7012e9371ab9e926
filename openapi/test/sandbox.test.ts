/**
 * The sandbox controls' contract (dist/sandbox.json): apart from the API (its own base path,
 * no path of the API's), in the same house style (camelCase operationIds, sentence-case
 * summaries, one tag each, Basic authentication, ErrorInfo for every error, X-REQUEST-ID on every
 * response, a named example for every request and response body).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { asObject, loadBundledSpec, operationsOf, resolve, responsesOf } from '../src/walk.js';

const sandbox = loadBundledSpec('sandbox');
const api = loadBundledSpec('openapi');
const operations = operationsOf(sandbox);
const responses = responsesOf(sandbox, operations);

/** The source index (sandbox/openapi.yaml): each control path with the file it points to. */
const indexPaths = (() => {
  const text = readFileSync(new URL('../sandbox/openapi.yaml', import.meta.url), 'utf8');
  const section = /^paths:\n((?: {2}.*\n)+)/m.exec(text)?.[1] ?? '';
  return [...section.matchAll(/^ {2}(\/\S*):\n {4}\$ref: (\S+)$/gm)].map(([, path, file]) => ({ path: path!, file: file! }));
})();

describe("the sandbox controls' contract", () => {
  it('lives under /sandbox/v1, apart from the API under /raas/v2', () => {
    const servers = sandbox.servers as { url: string }[];
    expect(servers.map((server) => new URL(server.url).pathname)).toEqual(['/sandbox/v1']);
    // Every control path is relative to that server: none repeats a base path of its own.
    for (const path of Object.keys(asObject(sandbox.paths, 'paths'))) {
      expect(path).toMatch(/^\/[a-z]/);
      expect(path).not.toMatch(/^\/(sandbox|raas)(\/|$)/);
    }
    const apiPaths = new Set(Object.keys(asObject(api.paths, 'paths')));
    expect(Object.keys(asObject(sandbox.paths, 'paths')).filter((path) => apiPaths.has(path))).toEqual([]);
  });

  it('has the controls, each with a camelCase operationId, a sentence-case summary and one tag', () => {
    // Which controls there are is the spec's to say (the server's tests walk each of them): the
    // bundle holds exactly the paths the index lists, each file of paths/ listed once, and at
    // least an operation for each path.
    const files = readdirSync(new URL('../sandbox/paths/', import.meta.url)).filter((file) => file.endsWith('.yaml'));
    expect(indexPaths.length).toBeGreaterThanOrEqual(10);
    expect(indexPaths.map(({ file }) => file).sort()).toEqual(files.map((file) => `paths/${file}`).sort());
    expect(Object.keys(asObject(sandbox.paths, 'paths')).sort()).toEqual(indexPaths.map(({ path }) => path).sort());
    expect([...new Set(operations.map((operation) => operation.path))].sort()).toEqual(indexPaths.map(({ path }) => path).sort());
    expect(operations.length).toBeGreaterThanOrEqual(indexPaths.length);
    expect(new Set(operations.map((operation) => operation.operationId)).size).toBe(operations.length);
    for (const { operationId, node } of operations) {
      expect(operationId).toMatch(/^[a-z][A-Za-z]+$/);
      expect(String(node.summary), operationId).toMatch(/^[A-Z][^A-Z]*$/);
      expect(node.tags, operationId).toHaveLength(1);
    }
    expect(sandbox.security).toEqual([{ basicAuth: [] }]);
  });

  it('answers every error with the one ErrorInfo, and every response with X-REQUEST-ID', () => {
    for (const { operation, status, node, pointer } of responses) {
      const header = resolve(sandbox, asObject(node.headers, 'headers')['X-REQUEST-ID'], `${pointer}/headers/X-REQUEST-ID`).node;
      expect(header.schema).toEqual({ type: 'string', format: 'uuid' });
      // A 204 has no body, hence no example; every other answer has both.
      if (status === '204') {
        expect(node.content, `${operation.operationId} ${status}`).toBeUndefined();
        continue;
      }
      const content = asObject(node.content, `${operation.operationId} ${status}`);
      const media = asObject(content['application/json'], 'application/json');
      if (/^[45]/.test(status))
        expect(media.schema, `${operation.operationId} ${status}`).toEqual({ $ref: '#/components/schemas/ErrorInfo' });
      expect(
        Object.keys(asObject(media.examples ?? {}, 'examples')).length,
        `${operation.operationId} ${status} named examples`,
      ).toBeGreaterThan(0);
    }
  });

  it('takes JSON bodies only, required, each with a named example', () => {
    for (const operation of operations.filter(({ node }) => 'requestBody' in node)) {
      const body = resolve(sandbox, operation.node.requestBody, `${operation.pointer}/requestBody`).node;
      expect(body.required, operation.operationId).toBe(true);
      const content = asObject(body.content, 'content');
      expect(Object.keys(content), operation.operationId).toEqual(['application/json']);
      expect(Object.keys(asObject(asObject(content['application/json'], 'json').examples, 'examples')).length).toBeGreaterThan(0);
    }
  });
});
