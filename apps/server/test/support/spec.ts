/** The bundled spec, seen from the tests: operations by route, and response-schema validation. */
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { bundledSpecText } from '../../src/spec.js';

type Json = Record<string, unknown>;
interface OperationEntry {
  operationId: string;
  method: string;
  path: string;
  statuses: string[];
}

export const spec = JSON.parse(bundledSpecText) as Json & { paths: Record<string, Record<string, Json>> };

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export const operations: OperationEntry[] = Object.entries(spec.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, operation]) => ({
      operationId: String(operation.operationId),
      method: method.toUpperCase(),
      path,
      statuses: Object.keys(operation.responses as Json),
    })),
);

export function operationFor(method: string, schemaPath: string): OperationEntry {
  const found = operations.find((op) => op.method === method.toUpperCase() && op.path === schemaPath);
  if (!found) throw new Error(`no operation ${method} ${schemaPath} in the spec`);
  return found;
}

/** Matches a concrete request path (without the /raas/v2 prefix) to the spec's path template. */
export function templateOf(method: string, concretePath: string): OperationEntry | undefined {
  return operations.find((op) => {
    if (op.method !== method.toUpperCase()) return false;
    const pattern = new RegExp(`^${op.path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    return pattern.test(concretePath);
  });
}

// CommonJS modules: under NodeNext the default import is module.exports; the class is its `default`.
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(spec, 'spec');

const pointerEscape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

function resolve(pointer: string): { node: Json; pointer: string } {
  let node: unknown = spec;
  for (const raw of pointer.slice(2).split('/')) {
    node = (node as Json)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  const value = node as Json;
  if (typeof value?.$ref === 'string') return resolve(value.$ref);
  return { node: value, pointer };
}

const validators = new Map<string, ReturnType<typeof ajv.compile>>();

/** Validates a response body against the schema the spec documents for that operation and status. */
export function responseProblems(operation: OperationEntry, status: number, body: unknown): string[] {
  const key = `${operation.operationId} ${status}`;
  let validate = validators.get(key);
  if (!validate) {
    const responsePointer = `#/paths/${pointerEscape(operation.path)}/${operation.method.toLowerCase()}/responses/${status}`;
    const response = resolve(responsePointer);
    const schemaPointer = `${response.pointer}/content/application~1json/schema`;
    validate = ajv.compile({ $ref: `spec${schemaPointer}` });
    validators.set(key, validate);
  }
  return validate(body)
    ? []
    : (validate.errors ?? []).map((e: { instancePath: string; message?: string }) => `${e.instancePath} ${e.message}`);
}
