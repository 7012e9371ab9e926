/**
 * The spec's operations as this server's own middleware needs them, before the validator runs:
 * which operation a request targets, which of its query parameters are numbers, its request body
 * schema. Read once from a bundled spec (the API's, or the sandbox controls'), so the checks
 * follow the contract.
 */
import { loadSandboxSpec, loadSpec } from '../spec.js';

type Json = Record<string, unknown>;

export interface SpecOperation {
  operationId: string;
  method: string;
  /** The path template as the spec writes it, relative to the API's base path, e.g. `/customers/{customerIdentifier}`. */
  path: string;
  /** The path template's segments, e.g. ['customers', '{customerIdentifier}', 'accounts']. */
  segments: string[];
  /** Query parameters whose schema type is a number, by name. */
  numericQuery: Map<string, 'integer' | 'number'>;
  /** The JSON request body's schema ($refs resolved lazily through `resolve`). */
  bodySchema: Json | undefined;
  /** Whether a top-level property of the body is a number (an amount). */
  bodyHasNumbers: boolean;
  /** The HTTP statuses the operation documents (`default` aside). */
  statuses: ReadonlySet<number>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** The operations of one bundled spec, and the lookups over them. */
export interface SpecOperations {
  /** Every operation of the spec, in the spec's order. */
  all: readonly SpecOperation[];
  /** Follows a local $ref (`#/components/...`) to the schema it names. */
  resolve(node: unknown): Json;
  /** The operation a request targets (path relative to the spec's base path), and its raw path parameters. */
  operationOf(method: string, path: string): { operation: SpecOperation; params: Record<string, string> } | undefined;
}

export function specOperationsOf(document: Record<string, unknown>): SpecOperations {
  const spec = document as Json & { paths: Record<string, Json> };
  const resolve = (node: unknown): Json => resolveIn(spec, node);
  const all = operationsIn(spec, resolve);
  return { all, resolve, operationOf: (method, path) => match(all, method, path) };
}

function resolveIn(spec: Json, node: unknown): Json {
  let value = node as Json;
  for (let hops = 0; value && typeof value.$ref === 'string' && hops < 20; hops++) {
    value = value.$ref
      .slice(2)
      .split('/')
      .reduce<unknown>((n, key) => (n as Json | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], spec) as Json;
  }
  return value ?? {};
}

function operationsIn(spec: Json & { paths: Record<string, Json> }, resolve: (node: unknown) => Json): SpecOperation[] {
  return Object.entries(spec.paths).flatMap(([path, rawItem]) => {
    const item = resolve(rawItem);
    return Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, rawOperation]) => {
        const operation = rawOperation as Json;
        const parameters = [...((item.parameters as unknown[]) ?? []), ...((operation.parameters as unknown[]) ?? [])].map(resolve);
        const numericQuery = new Map<string, 'integer' | 'number'>();
        for (const parameter of parameters) {
          const type = resolve(parameter.schema).type;
          if (parameter.in === 'query' && (type === 'integer' || type === 'number')) numericQuery.set(String(parameter.name), type);
        }
        const content = resolve(operation.requestBody).content as Json | undefined;
        const body = content?.['application/json'] as Json | undefined;
        const bodySchema = body?.schema ? resolve(body.schema) : undefined;
        const bodyProperties = Object.values((bodySchema?.properties ?? {}) as Json);
        return {
          operationId: String(operation.operationId),
          method: method.toUpperCase(),
          path,
          segments: path.split('/').slice(1),
          numericQuery,
          bodySchema,
          bodyHasNumbers: bodyProperties.some((property) => resolve(property).type === 'number'),
          statuses: new Set(
            Object.keys((operation.responses ?? {}) as Json)
              .filter((status) => /^\d{3}$/.test(status))
              .map(Number),
          ),
        };
      });
  });
}

/** The API's operations. */
export const apiOperations: SpecOperations = specOperationsOf(loadSpec());

/** The sandbox controls' operations. */
export const sandboxOperations: SpecOperations = specOperationsOf(loadSandboxSpec());

/** Every operation of the API's spec, in the spec's order. */
export function specOperations(): readonly SpecOperation[] {
  return apiOperations.all;
}

/** Follows a local $ref of the API's spec. */
export const resolve = apiOperations.resolve;

/**
 * The operation a request targets, and its raw (still percent-encoded) path parameters; `path`
 * is relative to the API's base path, as Express gives it under `app.use(API_BASE_PATH, …)`.
 * Matching is the router's: case-sensitive, one trailing slash allowed; no other path reaches an
 * operation.
 */
export function operationOf(method: string, path: string): { operation: SpecOperation; params: Record<string, string> } | undefined {
  return apiOperations.operationOf(method, path);
}

function match(
  operations: readonly SpecOperation[],
  method: string,
  path: string,
): { operation: SpecOperation; params: Record<string, string> } | undefined {
  const segments = path.split('/').slice(1);
  // Non-strict routing, as Express's and the validator's: one trailing slash is the same path.
  if (segments.length > 1 && segments.at(-1) === '') segments.pop();
  for (const operation of operations) {
    if (operation.method !== method || operation.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = operation.segments.every((template, i) => {
      const segment = segments[i]!;
      if (!template.startsWith('{')) return template === segment;
      params[template.slice(1, -1)] = segment;
      return segment.length > 0;
    });
    if (matches) return { operation, params };
  }
  return undefined;
}
