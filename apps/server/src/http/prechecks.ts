/**
 * Cheap checks that run before the expensive ones, so that no single request can cost much:
 *   - a write the credential may never make is refused before its body is read or validated;
 *   - an array over its `maxItems` is refused before the validator, whose `allErrors` mode
 *     would otherwise still run `uniqueItems` (quadratic) over all of it;
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
  if (principal.allowedCustomers && operationFor(req)?.operation.operationId === 'createCustomer' && body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const customer = (body as Json).customerIdentifier;
    if (typeof customer === 'string' && !principal.allowedCustomers.has(customer)) throw new ApiError('403.007');
  }
  next();
};

const DECIMAL = { integer: /^-?\d+$/, number: /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/ };

function looseNumbers(req: Request, operation: SpecOperation): ValidatorItem[] {
  const errors: ValidatorItem[] = [];
  const query = req.query as Record<string, unknown>;
  for (const [name, type] of operation.numericQuery) {
    const value = query[name];
    // A repeated parameter (an array) is the validator's to refuse.
    if (typeof value === 'string' && !DECIMAL[type].test(value)) {
      errors.push({ path: `/query/${name}`, message: `must be a decimal ${type}`, errorCode: 'type.openapi.validation' });
    }
  }
  return errors;
}

/** Arrays over their schema's maxItems, anywhere in the body (only where the schema names them). */
function oversizeArrays(schemaNode: unknown, value: unknown, path: string, errors: ValidatorItem[]): void {
  const schema = resolve(schemaNode);
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
      errors.push({ path, message: `must NOT have more than ${schema.maxItems} items`, errorCode: 'maxItems.openapi.validation' });
    } else if (schema.items) {
      value.forEach((item, i) => oversizeArrays(schema.items, item, `${path}/${i}`, errors));
    }
  } else if (value !== null && typeof value === 'object' && schema.properties) {
    for (const [name, property] of Object.entries(schema.properties as Json)) {
      if (Object.hasOwn(value, name)) oversizeArrays(property, (value as Json)[name], `${path}/${name}`, errors);
    }
  }
}

/** Arrays within their maxItems, checked as soon as the body is parsed (before anything walks it). */
export const boundedArrays: RequestHandler = (req, _res, next) => {
  const schema = operationFor(req)?.operation.bodySchema;
  const errors: ValidatorItem[] = [];
  if (schema && req.body !== undefined) oversizeArrays(schema, req.body, '/body', errors);
  if (errors.length > 0) throw invalid(errors);
  next();
};

/** Decimal query numbers, checked before the validator coerces them. */
export const decimalQuery: RequestHandler = (req, _res, next) => {
  const match = operationFor(req);
  const errors = match ? looseNumbers(req, match.operation) : [];
  if (errors.length > 0) throw invalid(errors);
  next();
};
