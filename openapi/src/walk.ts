/**
 * Walking the bundled contract: its operations, their responses, and local `$ref`s followed to
 * the object they point at (with that object's JSON pointer). Shared by this package's spec tests,
 * the server's contract and fuzz tests, and anything else that reads the spec as data.
 */
import { readFileSync } from 'node:fs';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** The methods an OpenAPI path item may hold operations under. */
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * A bundled document, parsed afresh (from src/ or dist/ alike): the API's (dist/openapi.json) or
 * the sandbox controls' (dist/sandbox.json).
 */
export function loadBundledSpec(document: 'openapi' | 'sandbox' = 'openapi'): JsonObject {
  return JSON.parse(readFileSync(new URL(`../dist/${document}.json`, import.meta.url), 'utf8')) as JsonObject;
}

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asObject(value: Json | undefined, where: string): JsonObject {
  if (!isObject(value)) throw new Error(`${where} is not an object`);
  return value;
}

export const escapePointer = (token: string): string => token.replaceAll('~', '~0').replaceAll('/', '~1');
export const unescapePointer = (token: string): string => token.replaceAll('~1', '/').replaceAll('~0', '~');

/** The value at a JSON pointer (`/paths/~1customers/get`, or `#/…`), undefined when there is none. */
export function valueAt(doc: JsonObject, pointer: string): Json | undefined {
  const tokens = pointer.replace(/^#/, '').split('/').slice(1).map(unescapePointer);
  let target: Json | undefined = doc;
  for (const token of tokens) target = isObject(target) ? target[token] : Array.isArray(target) ? target[Number(token)] : undefined;
  return target;
}

/** Follows local `$ref`s from `node` (found at `pointer`); returns the object reached and its pointer. */
export function resolve(doc: JsonObject, node: Json | undefined, pointer: string): { node: JsonObject; pointer: string } {
  let current = asObject(node, pointer);
  let at = pointer;
  while (typeof current.$ref === 'string') {
    const ref = current.$ref;
    if (!ref.startsWith('#/')) throw new Error(`non-local $ref ${ref} at ${at}`);
    at = ref.slice(1);
    current = asObject(valueAt(doc, at), ref);
  }
  return { node: current, pointer: at };
}

export interface Operation {
  operationId: string;
  /** Lower case, as the spec writes it. */
  method: (typeof HTTP_METHODS)[number];
  /** The path template, e.g. `/customers/{customerIdentifier}`. */
  path: string;
  /** Every documented status, as the spec writes it (`200`, `default`…). */
  statuses: string[];
  node: JsonObject;
  pointer: string;
}

/** Every operation of the document, in its order. */
export function operationsOf(doc: JsonObject): Operation[] {
  return Object.entries(asObject(doc.paths, 'paths')).flatMap(([path, item]) =>
    HTTP_METHODS.flatMap((method) => {
      const node = asObject(item, path)[method];
      if (!isObject(node)) return [];
      return [
        {
          operationId: String(node.operationId),
          method,
          path,
          statuses: Object.keys(asObject(node.responses, `${path} ${method} responses`)),
          node,
          pointer: `/paths/${escapePointer(path)}/${method}`,
        },
      ];
    }),
  );
}

export interface Response {
  operation: Operation;
  status: string;
  /** The response object, its `$ref` followed. */
  node: JsonObject;
  pointer: string;
}

/** Every response of every operation, resolved. */
export function responsesOf(doc: JsonObject, operations: Operation[] = operationsOf(doc)): Response[] {
  return operations.flatMap((operation) =>
    Object.entries(asObject(operation.node.responses, `${operation.operationId} responses`)).map(([status, response]) => ({
      operation,
      status,
      ...resolve(doc, response, `${operation.pointer}/responses/${status}`),
    })),
  );
}

/** The operation whose path template matches a concrete path (without the server's base path). */
export function operationMatching(operations: readonly Operation[], method: string, concretePath: string): Operation | undefined {
  return operations.find((op) => {
    if (op.method !== method.toLowerCase()) return false;
    return new RegExp(`^${op.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(concretePath);
  });
}
