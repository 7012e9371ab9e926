import type { RequestHandler, Response } from 'express';
import { PLATFORM_NAME_PATTERN, matchCredential, parseBasic, principalOf } from '../auth/credentials.js';
import type { CredentialCache } from '../auth/credential-cache.js';
import type { FailureThrottle } from '../auth/throttle.js';
import { ApiError } from '../domain/errors.js';

export const challenge = (res: Response) => res.setHeader('WWW-Authenticate', 'Basic realm="RaaS", charset="UTF-8"');

/**
 * HTTP Basic: user name = platform name, password = platform key. Sets res.locals.principal.
 *
 * A request without credentials gets the 401 challenge and is not a failure: clients such as
 * `curl --anyauth` or Python's HTTPBasicAuthHandler send their credentials only after it. Wrong
 * credentials count against the client's address; past the limit they answer 429 (with the
 * challenge too). The throttle is checked before the lookup: a blocked address has its
 * credentials checked only against platforms that exist (credentials.knownCredentials), so
 * its guesses cost no database work, while valid credentials always pass.
 */
export function authenticate(
  credentials: CredentialCache,
  throttle: FailureThrottle,
  /** Production mode: a sandbox throw-away platform's credentials are refused as unknown ones. */
  { refuseThrowAway = false }: { refuseThrowAway?: boolean } = {},
): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization;
    if (!header?.trim()) {
      challenge(res);
      throw new ApiError('401.501');
    }
    const client = req.ip ?? 'unknown';
    const retryAfter = throttle.retryAfterSeconds(client);
    const presented = parseBasic(header);
    // A name no platform can have is a failure without a lookup (nor a cache entry).
    const named = presented && PLATFORM_NAME_PATTERN.test(presented.name) ? presented.name : undefined;
    const found =
      named === undefined ? [] : retryAfter > 0 ? await credentials.knownCredentials(named) : await credentials.activeCredentials(named);
    const candidates = refuseThrowAway ? found.filter((candidate) => !candidate.throwAway) : found;
    const credential = presented && matchCredential(candidates, presented.key);
    if (credential) {
      res.locals.principal = principalOf(credential);
      return next();
    }
    challenge(res);
    if (retryAfter > 0) {
      res.setHeader('Retry-After', String(retryAfter));
      throw new ApiError('429.001');
    }
    throttle.recordFailure(client);
    throw new ApiError('401.501');
  };
}
