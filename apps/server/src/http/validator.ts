/**
 * What the API and the sandbox controls share between their routes and their specs: one
 * validator configuration (each spec validated the same way), and no caching of any answer.
 */
import type { RequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';

/** express-openapi-validator over one bundled spec: every request checked, all errors listed. */
export function specValidator(apiSpec: object, validateResponses: boolean): RequestHandler[] {
  return OpenApiValidator.middleware({
    apiSpec: apiSpec as never,
    validateApiSpec: false,
    validateRequests: { allErrors: true, allowUnknownQueryParameters: false },
    validateResponses: validateResponses ? { allErrors: true } : false,
    validateSecurity: false,
    validateFormats: true,
  });
}

/** Every answer of the API and the controls is a platform's data, or says who may read it. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};
