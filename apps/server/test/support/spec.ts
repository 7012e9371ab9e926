/** The bundled spec, seen from the tests: operations by route, and response-schema validation. */
import {
  type JsonObject,
  escapePointer,
  operationMatching,
  operationsOf,
  resolve as resolveIn,
  valueAt,
} from '@raas-customers/openapi/walk';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { bundledSpecText } from '../../src/spec.js';

type Json = Record<string, unknown>;
interface OperationEntry {
  operationId: string;
  /** Upper case, as a request sends it. */
  method: string;
  path: string;
  statuses: string[];
}

/** The spec exactly as this server serves it. */
export const spec = JSON.parse(bundledSpecText) as Json & { paths: Record<string, Record<string, Json>> };

const walked = operationsOf(spec as JsonObject);

export const operations: OperationEntry[] = walked.map(({ operationId, method, path, statuses }) => ({
  operationId,
  method: method.toUpperCase(),
  path,
  statuses,
}));

export function operationFor(method: string, schemaPath: string): OperationEntry {
  const found = operations.find((op) => op.method === method.toUpperCase() && op.path === schemaPath);
  if (!found) throw new Error(`no operation ${method} ${schemaPath} in the spec`);
  return found;
}

/** Matches a concrete request path (without the /raas/v2 prefix) to the spec's path template. */
export function templateOf(method: string, concretePath: string): OperationEntry | undefined {
  const found = operationMatching(walked, method, concretePath);
  return found && operationFor(found.method, found.path);
}

// CommonJS modules: under NodeNext the default import is module.exports; the class is its `default`.
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(spec, 'spec');

/** The object at a pointer, its `$ref`s followed. */
function resolve(pointer: string): { node: Json; pointer: string } {
  return resolveIn(spec as JsonObject, valueAt(spec as JsonObject, pointer), pointer);
}

const validators = new Map<string, ReturnType<typeof ajv.compile>>();

/** Validates a response body against the schema the spec documents for that operation and status. */
export function responseProblems(operation: OperationEntry, status: number, body: unknown): string[] {
  const key = `${operation.operationId} ${status}`;
  let validate = validators.get(key);
  if (!validate) {
    const responsePointer = `/paths/${escapePointer(operation.path)}/${operation.method.toLowerCase()}/responses/${status}`;
    const response = resolve(responsePointer);
    const schemaPointer = `${response.pointer}/content/application~1json/schema`;
    validate = ajv.compile({ $ref: `spec#${schemaPointer}` });
    validators.set(key, validate);
  }
  return validate(body)
    ? []
    : (validate.errors ?? []).map((e: { instancePath: string; message?: string }) => `${e.instancePath} ${e.message}`);
}
