import type { RequestHandler } from 'express';
import { PLATFORM_NAME_PATTERN, matchCredential, parseBasic, principalOf } from '../auth/credentials.js';
import type { CredentialCache } from '../auth/credential-cache.js';
import type { FailureThrottle } from '../auth/throttle.js';
import { ApiError } from '../domain/errors.js';

/**
 * HTTP Basic: user name = platform name, password = platform key. Sets res.locals.principal.
 * Failures count against the client's address; past the limit a failing attempt answers 429.
 */
export function authenticate(credentials: CredentialCache, throttle: FailureThrottle): RequestHandler {
  return async (req, res, next) => {
    const presented = parseBasic(req.headers.authorization);
    // A name no platform can have is a failure without a lookup (nor a cache entry).
    const candidates = presented && PLATFORM_NAME_PATTERN.test(presented.name) ? await credentials.activeCredentials(presented.name) : [];
    const credential = presented && matchCredential(candidates, presented.key);
    if (!credential) {
      const client = req.ip ?? 'unknown';
      const retryAfter = throttle.retryAfterSeconds(client);
      if (retryAfter > 0) {
        res.setHeader('Retry-After', String(retryAfter));
        throw new ApiError('429.001');
      }
      throttle.recordFailure(client);
      res.setHeader('WWW-Authenticate', 'Basic realm="RaaS", charset="UTF-8"');
      throw new ApiError('401.501');
    }
    res.locals.principal = principalOf(credential);
    next();
  };
}
