import type { RequestHandler } from 'express';
import { matchCredential, parseBasic, principalOf } from '../auth/credentials.js';
import { ApiError } from '../domain/errors.js';
import type { Store } from '../store/store.js';

/** HTTP Basic: user name = platform name, password = platform key. Sets res.locals.principal. */
export function authenticate(store: Store): RequestHandler {
  return async (req, res, next) => {
    const presented = parseBasic(req.headers.authorization);
    const credential = presented && matchCredential(await store.activeCredentials(presented.name), presented.key);
    if (!credential) {
      res.setHeader('WWW-Authenticate', 'Basic realm="RaaS", charset="UTF-8"');
      throw new ApiError('401.501');
    }
    res.locals.principal = principalOf(credential);
    next();
  };
}
