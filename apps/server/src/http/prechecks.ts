/**
 * Cheap checks that run before the expensive ones, so that no single request can cost much:
 *   - a write the credential may never make is refused before its body is read or validated;
 *   - an array over its `maxItems` is refused before the validator, whose `allErrors` mode
 *     would otherwise still run `uniqueItems` (quadratic) over all of it; so are thousands of
 *     unknown properties, each of which would cost the validator a reported error;
 *   - query numbers must be written in decimal: the validator's coercion reads `0x10` as 16 and
 *     ` ` as 0.
 * Each failure is shaped like the validator's own errors, so the error handler renders it alike.
 */
import type { Request, RequestHandler } from 'express';
import { ApiError } from '../domain/errors.js';
import type { Principal } from '../domain/model.js';
import { type SpecOperation, operationOf, resolve } from './spec-operations.js';

type Json = Record<string, unknown>;

interface ValidatorItem {
  path: string;
  message: string;
  errorCode: string;
}

/** A 400 in the validator's shape (status + errors[]), for toApiError. */
function invalid(errors: ValidatorItem[]): Error {
  return Object.assign(new Error('Bad Request'), { status: 400, errors });
}

/** The operation of this request, looked up once and kept on the request. */
function operationFor(req: Request): ReturnType<typeof operationOf> {
  const holder = req as Request & { specOperation?: ReturnType<typeof operationOf> | null };
  if (holder.specOperation === undefined) holder.specOperation = operationOf(req.method, req.path) ?? null;
  return holder.specOperation ?? undefined;
}

function decoded(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/**
 * Refuses, right after authentication, a write that the credential may not make whatever its
 * body: any write of a read-only credential (403.017), a write under a customer outside a limited
 * credential's list (403.007). Its body is then never read (the connection is closed instead).
 */
export const writeAccess: RequestHandler = (req, res, next) => {
  const match = operationFor(req);
  if (!match || match.operation.method === 'GET') return next();
  const principal = res.locals.principal as Principal;
  if (principal.readOnly) throw new ApiError('403.017');
  const customer = match.params.customerIdentifier === undefined ? undefined : decoded(match.params.customerIdentifier);
  if (principal.allowedCustomers && customer !== undefined && !principal.allowedCustomers.has(customer)) throw new ApiError('403.007');
  next();
};

/** createCustomer names its customer in the body: a limited credential's is checked once parsed. */
export const createAccess: RequestHandler = (req, res, next) => {
  const principal = res.locals.principal as Principal;
  const body = req.body as unknown;
  if (
    principal.allowedCustomers &&
    operationFor(req)?.operation.operationId === 'createCustomer' &&
    body !== null &&
    typeof body === 'object' &&
    !Array.isArray(body)
  ) {
    const customer = (body as Json).customerIdentifier;
    if (typeof customer === 'string' && !principal.allowedCustomers.has(customer)) throw new ApiError('403.007');
  }
  next();
};

const DECIMAL = { integer: /^-?\d+$/, number: /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/ };

/**
 * Query numbers the validator would take although they are not decimal: its coercion accepts
 * any non-empty string equal to its own Number() (`0x10`, ` `, `Infinity`, `1e1`). Any other bad
 * value (`abc`, a repeated parameter) is the validator's to report.
 */
function looseNumbers(req: Request, operation: SpecOperation): ValidatorItem[] {
  const errors: ValidatorItem[] = [];
  const query = req.query as Record<string, unknown>;
  for (const [name, type] of operation.numericQuery) {
    const value = query[name];
    if (typeof value === 'string' && value !== '' && !Number.isNaN(Number(value)) && !DECIMAL[type].test(value)) {
      errors.push({ path: `/query/${name}`, message: `must be a decimal ${type}`, errorCode: 'type.openapi.validation' });
    }
  }
  return errors;
}

const pendingQueryErrors = new WeakMap<Request, ValidatorItem[]>();

/** Loose query numbers found before the validator ran: its own 400 lists them too. */
export function looseNumbersOf(req: Request): ValidatorItem[] {
  return pendingQueryErrors.get(req) ?? [];
}

/**
 * More violations than an answer lists (error-handler.ts lists 50): past this many unknown
 * properties the request is refused on them alone, as the validator would spend a reported
 * error (with `allErrors`) on each of thousands.
 */
const MAX_UNKNOWN_PROPERTIES = 50;

/**
 * What is far out of bounds, where the schema names it: an array over its maxItems (not walked
 * further), and unknown properties of objects that allow none, once more than
 * MAX_UNKNOWN_PROPERTIES in all. The walk visits only what the schema describes, at most
 * maxItems items of an array, so it costs little whatever the body holds.
 */
function outOfBounds(
  schemaNode: unknown,
  value: unknown,
  path: string,
  found: { errors: ValidatorItem[]; unknown: ValidatorItem[] },
): void {
  const schema = resolve(schemaNode);
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
      found.errors.push({ path, message: `must NOT have more than ${schema.maxItems} items`, errorCode: 'maxItems.openapi.validation' });
    } else if (schema.items) {
      for (const [i, item] of value.entries()) outOfBounds(schema.items, item, `${path}/${i}`, found);
    }
  } else if (value !== null && typeof value === 'object') {
    const properties = (schema.properties ?? {}) as Json;
    for (const name of Object.keys(value)) {
      if (Object.hasOwn(properties, name)) outOfBounds(properties[name], (value as Json)[name], `${path}/${name}`, found);
      else if (schema.additionalProperties === false && found.unknown.length <= MAX_UNKNOWN_PROPERTIES) {
        found.unknown.push({
          path: `${path}/${name}`,
          message: 'must NOT have additional properties',
          errorCode: 'additionalProperties.openapi.validation',
        });
      }
    }
  }
}

/** A body within its bounds (outOfBounds), checked as soon as it is parsed, before anything else walks it. */
export const boundedBody: RequestHandler = (req, _res, next) => {
  const schema = operationFor(req)?.operation.bodySchema;
  const found = { errors: [] as ValidatorItem[], unknown: [] as ValidatorItem[] };
  if (schema && req.body !== undefined) outOfBounds(schema, req.body, '/body', found);
  const errors =
    found.unknown.length > MAX_UNKNOWN_PROPERTIES ? [...found.errors, ...found.unknown.slice(0, MAX_UNKNOWN_PROPERTIES)] : found.errors;
  if (errors.length > 0) throw invalid(errors);
  next();
};

/**
 * Decimal query numbers: read before the validator coerces them, refused after it (so that a
 * 400 of the validator lists them beside its own errors, through looseNumbersOf).
 */
export const decimalQuery: RequestHandler = (req, _res, next) => {
  const match = operationFor(req);
  const errors = match ? looseNumbers(req, match.operation) : [];
  if (errors.length > 0) pendingQueryErrors.set(req, errors);
  next();
};

export const refuseLooseNumbers: RequestHandler = (req, _res, next) => {
  const errors = looseNumbersOf(req);
  if (errors.length > 0) throw invalid(errors);
  next();
};
