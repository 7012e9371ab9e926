import type { IncomingMessage } from 'node:http';
import express, { type Request, type RequestHandler } from 'express';
import { ApiError, type FieldViolation, fieldViolation } from '../domain/errors.js';

/** Decision of the reference: a body over 64 KiB is refused, whatever it contains. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Reads a request body in the order the reference implies: too large (413) before wrong media
 * type (415) before malformed JSON (400.501). A declared Content-Length over the limit is refused
 * before a byte is read; a chunked body is cut off by the parser at the same limit. Only a
 * request that `takesBody` has its body read; `checks` run on the parsed body before anything
 * else walks it.
 */
export function jsonBody({
  takesBody,
  writesNumbers = () => false,
  checks = [],
}: {
  takesBody: (req: Request) => boolean;
  /** Whether the body holds numbers whose text matters (amounts): their texts are recorded as written. */
  writesNumbers?: (req: Request) => boolean;
  checks?: RequestHandler[];
}): RequestHandler[] {
  const guard: RequestHandler = (req, _res, next) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > BODY_LIMIT_BYTES) throw new ApiError('413.001');
    const hasBody = declared > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !req.is('application/json')) throw new ApiError('415.001');
    next();
  };
  // Only an operation that takes a body has it read; one sent with anything else is ignored, as
  // HTTP allows, and the connection closed after the answer rather than kept to read the rest.
  const onlyWithBody =
    (handler: RequestHandler): RequestHandler =>
    (req, res, next) => {
      if (METHODS_WITH_BODY.has(req.method) && takesBody(req)) return handler(req, res, next);
      if (hasUnreadBody(req)) res.setHeader('Connection', 'close');
      next();
    };
  // The bytes of a body with amounts are kept, to read its numbers' texts once it is parsed.
  const parse = express.json({
    limit: BODY_LIMIT_BYTES,
    strict: true,
    verify: (req, _res, bytes) => {
      if (writesNumbers(req as Request)) rawBodies.set(req, bytes);
    },
  });
  return [guard, parse, recordNumberTexts, ...checks, noPrototypeKeys].map(onlyWithBody);
}

const rawBodies = new WeakMap<IncomingMessage, Buffer>();

/** Deeper than any body with amounts is: such a body is refused by its schema anyway. */
const MAX_AMOUNT_BODY_DEPTH = 16;

function depthAtMost(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= limit) return false;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return true;
}

/**
 * A body with amounts is parsed a second time with a reviver that records each number's text
 * (`12.50`, not the double 12.5). A reviver walks the body recursively: only a shallow body,
 * already parsed once without it, gets that second pass.
 */
const recordNumberTexts: RequestHandler = (req, _res, next) => {
  const bytes = rawBodies.get(req);
  if (bytes && depthAtMost(req.body, MAX_AMOUNT_BODY_DEPTH)) {
    try {
      req.body = JSON.parse(bytes.toString('utf8'), recordNumberText);
    } catch {
      // Not UTF-8 after all: the numbers are read from their parsed values.
    }
  }
  next();
};

/** Each parsed object's numbers as their JSON text: `12.50` stays `12.50`, not the double 12.5. */
const numberTexts = new WeakMap<object, Record<string, string>>();

function recordNumberText(this: unknown, key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === 'number' && context?.source !== undefined && this !== null && typeof this === 'object') {
    const texts = numberTexts.get(this) ?? {};
    texts[key] = context.source;
    numberTexts.set(this, texts);
  }
  return value;
}

/** A number of the body as the client wrote it (its decimals counted there), e.g. `12.50`. */
export function writtenNumber(holder: object, key: string): string {
  return numberTexts.get(holder)?.[key] ?? String((holder as Record<string, unknown>)[key]);
}

/** An object rebuilt from a parsed one (unknown properties dropped) keeps its numbers' texts. */
export function keepNumberTexts(from: object, to: object): void {
  const texts = numberTexts.get(from);
  if (texts) numberTexts.set(to, texts);
}

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The request declares a body that was not read to its end. Answering it and keeping the
 * connection would mean reading the rest first (Node does, to find the next request), however
 * slowly it comes: such an answer closes the connection instead.
 */
export function hasUnreadBody(req: IncomingMessage): boolean {
  const declared = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  return declared && !req.readableEnded;
}

/** Member names of every object: no schema here defines them, and as keys they trip libraries. */
const PROTOTYPE_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * Rejects a body with a key such as `valueOf` or `__proto__` anywhere in it (400, UnknownProperty),
 * before the validator compares objects with them. Walks iteratively: the body may be deeply nested.
 */
const noPrototypeKeys: RequestHandler = (req, _res, next) => {
  const violations: FieldViolation[] = [];
  const stack: [unknown, string][] = [[req.body, '']];
  while (stack.length > 0 && violations.length < 20) {
    const [value, path] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    for (const key of Object.keys(value)) {
      const child = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
      if (!Array.isArray(value) && PROTOTYPE_KEYS.has(key)) {
        violations.push(fieldViolation(child, 'additionalProperties', 'must NOT have additional properties'));
      } else {
        stack.push([(value as Record<string, unknown>)[key], child]);
      }
    }
  }
  if (violations.length > 0) throw new ApiError('400.001', {}, violations);
  next();
};
