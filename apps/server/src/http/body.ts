import express, { type RequestHandler } from 'express';
import { ApiError } from '../domain/errors.js';

/** Decision of the reference: a body over 64 KiB is refused, whatever it contains. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Reads a request body in the order the reference implies: too large (413) before wrong media
 * type (415) before malformed JSON (400.501). A declared Content-Length over the limit is refused
 * before a byte is read; a chunked body is cut off by the parser at the same limit.
 */
export function jsonBody(): RequestHandler[] {
  const guard: RequestHandler = (req, _res, next) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > BODY_LIMIT_BYTES) throw new ApiError('413.001');
    const hasBody = declared > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !req.is('application/json')) throw new ApiError('415.001');
    next();
  };
  return [guard, express.json({ limit: BODY_LIMIT_BYTES, strict: true })];
}
