import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { ApiError } from '../domain/errors.js';

/** `scheme://authority` at the start of an absolute-form request target. */
const ABSOLUTE_FORM = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/[^/?#]*/;

const refusedScheme = new WeakSet<IncomingMessage>();

/**
 * HTTP/1.1 servers must accept the absolute form of a request target (`GET http://host/path`):
 * an http or https one is routed by its path, any other scheme is refused (refuseOtherSchemes).
 * Either way the scheme and authority, which may carry user information (`http://user:pass@host`),
 * are dropped before anything routes, logs or echoes the target. This runs before Express's
 * router sees the request: the router keeps an absolute target's authority through every mount,
 * and the validator would not recognise the path.
 */
export function toOriginForm(req: IncomingMessage): void {
  const absolute = req.url === undefined ? null : ABSOLUTE_FORM.exec(req.url);
  if (!absolute) return;
  const rest = req.url!.slice(absolute[0].length);
  req.url = rest.startsWith('/') ? rest : `/${rest}`;
  if (!/^https?$/i.test(absolute[1]!)) refusedScheme.add(req);
}

/** A 400 for an absolute-form target of another scheme than http or https. */
export const refuseOtherSchemes: RequestHandler = (req, _res, next) => {
  if (refusedScheme.has(req)) throw new ApiError('400.001');
  next();
};
