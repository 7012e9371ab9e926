/**
 * Cheap checks that run before the expensive ones, so that no single request can cost much:
 *   - a write the credential may never make is refused before its body is read or validated;
 *   - an array over its `maxItems` is refused before the validator, whose `allErrors` mode
 *     would otherwise still run `uniqueItems` (quadratic) over all of it; unknown properties are
 *     dropped (by default) or, in strict mode, refused when thousands, each of which would cost
 *     the validator a reported error;
 *   - query numbers must be written in decimal: the validator's coercion reads `0x10` as 16 and
 *     ` ` as 0.
 * Each failure is shaped like the validator's own errors, so the error handler renders it alike.
 */
import type { Request, RequestHandler } from 'express';
import { ApiError } from '../domain/errors.js';
import { BALANCE_BOUND_DIGITS } from '../domain/filters.js';
import { minorUnits } from '../domain/money.js';
import { keepNumberTexts } from './body.js';
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

/** The operation of this request (a HEAD's is its GET's), looked up once and kept on the request. */
export function operationFor(req: Request): ReturnType<typeof operationOf> {
  const holder = req as Request & { specOperation?: ReturnType<typeof operationOf> | null };
  if (holder.specOperation === undefined) holder.specOperation = operationOf(req.method === 'HEAD' ? 'GET' : req.method, req.path) ?? null;
  return holder.specOperation ?? undefined;
}

/**
 * Whether the request's body is to be read at all: only for an operation that takes one. A write
 * to a path with no such operation (its 404 or 405 is coming) is never parsed.
 */
export const takesBody = (req: Request): boolean => operationFor(req)?.operation.bodySchema !== undefined;

/** Whether the request's body holds amounts, whose text is read as written. */
export const writesNumbers = (req: Request): boolean => operationFor(req)?.operation.bodyHasNumbers === true;

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
  const { principal } = res.locals;
  if (principal.readOnly) throw new ApiError('403.017');
  const customer = match.params.customerIdentifier === undefined ? undefined : decoded(match.params.customerIdentifier);
  if (principal.allowedCustomers && customer !== undefined && !principal.allowedCustomers.has(customer)) throw new ApiError('403.007');
  next();
};

/** createCustomer names its customer in the body: a limited credential's is checked once parsed. */
export const createAccess: RequestHandler = (req, res, next) => {
  const { principal } = res.locals;
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
const rawQueries = new WeakMap<Request, Record<string, unknown>>();

/** The query as the client sent it, before the validator coerced it (`0x10`, not 16): what an error echoes. */
export function rawQueryOf(req: Request): Record<string, unknown> | undefined {
  return rawQueries.get(req);
}

/** Loose query numbers found before the validator ran: its own 400 lists them too. */
export function looseNumbersOf(req: Request): ValidatorItem[] {
  return pendingQueryErrors.get(req) ?? [];
}

/**
 * More violations than an answer lists (error-handler.ts lists 50): past this many unknown
 * properties a strict-mode request is refused on them alone, as the validator would spend a
 * reported error (with `allErrors`) on each of thousands.
 */
const MAX_UNKNOWN_PROPERTIES = 50;

/**
 * One walk over the body, where the schema describes it, before anything else looks at it:
 *   - an array over its `maxItems` is an error, and is not walked further;
 *   - a property that a closed object (`additionalProperties: false`) does not name is dropped
 *     (the walk returns the body to keep), as Tango Card's platform ignores it (real clients send
 *     them); in strict mode it
 *     is counted instead, and past MAX_UNKNOWN_PROPERTIES the request is refused on those alone.
 * Dropping before validation, and not with ajv's `removeAdditional`, keeps `minProperties`
 * honest: a PATCH of nothing but unknown properties is an empty update. The walk visits at most
 * `maxItems` items of an array, so it costs little whatever the body holds.
 */
function walkBody(
  schemaNode: unknown,
  value: unknown,
  path: string,
  strict: boolean,
  found: { errors: ValidatorItem[]; unknown: ValidatorItem[] },
): unknown {
  const schema = resolve(schemaNode);
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
      found.errors.push({ path, message: `must NOT have more than ${schema.maxItems} items`, errorCode: 'maxItems.openapi.validation' });
    } else if (schema.items) {
      for (let i = 0; i < value.length; i++) value[i] = walkBody(schema.items, value[i], `${path}/${i}`, strict, found);
    }
    return value;
  }
  if (value === null || typeof value !== 'object') return value;
  const properties = (schema.properties ?? {}) as Json;
  const record = value as Json;
  // What is kept: built anew rather than deleting from the parsed object (thousands of `delete`s
  // turn it into a slow dictionary and cost more than the parse).
  const kept: Json = {};
  // Whether `kept` differs from the parsed object: a property dropped, here or deeper down.
  let rebuilt = false;
  for (const name of Object.keys(record)) {
    // Own names only: `__proto__` or `toString` must not find Object.prototype's members.
    if (Object.hasOwn(properties, name) || schema.additionalProperties !== false) {
      const child = Object.hasOwn(properties, name)
        ? walkBody(properties[name], record[name], `${path}/${name}`, strict, found)
        : record[name];
      // defineProperty: a `__proto__` key stays an own property, as JSON.parse made it.
      Object.defineProperty(kept, name, { value: child, enumerable: true, writable: true, configurable: true });
      if (child !== record[name]) rebuilt = true;
    } else if (!strict) {
      rebuilt = true;
    } else if (found.unknown.length <= MAX_UNKNOWN_PROPERTIES) {
      found.unknown.push({
        path: `${path}/${name}`,
        message: 'must NOT have additional properties',
        errorCode: 'additionalProperties.openapi.validation',
      });
    }
  }
  if (!rebuilt) return record;
  keepNumberTexts(record, kept);
  return kept;
}

/** The body within its bounds, unknown properties dropped unless `strictBodies` (walkBody), as soon as it is parsed. */
export function boundedBody({ strictBodies }: { strictBodies: boolean }): RequestHandler {
  return (req, _res, next) => {
    const schema = operationFor(req)?.operation.bodySchema;
    const found = { errors: [] as ValidatorItem[], unknown: [] as ValidatorItem[] };
    if (schema && req.body !== undefined) req.body = walkBody(schema, req.body, '/body', strictBodies, found);
    const errors =
      found.unknown.length > MAX_UNKNOWN_PROPERTIES ? [...found.errors, ...found.unknown.slice(0, MAX_UNKNOWN_PROPERTIES)] : found.errors;
    if (errors.length > 0) throw invalid(errors);
    next();
  };
}

/**
 * Decimal query numbers: read before the validator coerces them, refused after it (so that a
 * 400 of the validator lists them beside its own errors, through looseNumbersOf).
 */
export const decimalQuery: RequestHandler = (req, _res, next) => {
  rawQueries.set(req, { ...(req.query as Record<string, unknown>) });
  const match = operationFor(req);
  const errors = match ? looseNumbers(req, match.operation) : [];
  if (errors.length > 0) pendingQueryErrors.set(req, errors);
  next();
};

/** Query parameters that are amounts of money: their decimals are counted as sent (`1.005` is a 400). */
const MONEY_QUERY = ['minBalance', 'maxBalance'];

export const refuseLooseNumbers: RequestHandler = (req, _res, next) => {
  const errors = looseNumbersOf(req);
  if (errors.length > 0) throw invalid(errors);
  const sent = rawQueryOf(req);
  for (const name of MONEY_QUERY) {
    const text = sent?.[name];
    if (typeof text === 'string') minorUnits(name, text, BALANCE_BOUND_DIGITS);
  }
  next();
};
