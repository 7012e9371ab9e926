/**
 * The one place where every failure becomes an ErrorInfo body: domain errors, body-parser errors,
 * express-openapi-validator errors and anything unexpected (500, logged, never shown).
 */
import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ApiError, FIELD_I18N_KEY, type FieldViolation, type I18nKey } from '../domain/errors.js';
import type { ErrorInfo } from '../domain/model.js';
import { StoreUnavailable } from '../store/store.js';
import { hasUnreadBody } from './body.js';
import { looseNumbersOf } from './prechecks.js';


/** ajv keyword -> the constraint name the public API reports (Bean Validation style). */
const CONSTRAINTS: Record<string, string> = {
  pattern: 'Pattern',
  required: 'NotNull',
  format: 'Format',
  minLength: 'Size',
  maxLength: 'Size',
  minItems: 'Size',
  maxItems: 'Size',
  minProperties: 'NotEmpty',
  minimum: 'Min',
  maximum: 'Max',
  type: 'Type',
  enum: 'Enum',
  uniqueItems: 'Unique',
  additionalProperties: 'UnknownProperty',
  unknownQueryParameter: 'UnknownProperty',
};

const REQUEST_PARTS = { body: 'body', query: 'query', params: 'params', path: 'params' } as const;

interface ValidatorItem {
  path?: string;
  message?: string;
  errorCode?: string;
}

/** Invalid fields listed in one ErrorInfo at most. */
const MAX_VIOLATIONS = 50;

/** Longest string echoed back in invalidValue. */
const MAX_ECHO = 256;

/**
 * What of a rejected value the error may repeat: scalars, long strings cut short. Objects and
 * arrays are not echoed: they can be as large (or as deeply nested) as the body itself.
 */
function echoable(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'string') return value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}…` : value;
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  return undefined;
}

/** A request's field, e.g. `/body/fundingNotification/0/emailAddress`, as `fundingNotification[0].emailAddress`. */
function fieldViolation(req: Request, item: ValidatorItem): FieldViolation {
  const segments = (item.path ?? '').split(/[/.]/).filter(Boolean);
  const part = REQUEST_PARTS[segments[0] as keyof typeof REQUEST_PARTS];
  const fieldSegments = part ? segments.slice(1) : segments;
  // Route parameters are not parsed yet when the validator runs: it keeps its own copy.
  const pathParams = (req as Request & { openapi?: { pathParams?: Record<string, string> } }).openapi?.pathParams;
  let value: unknown = part === 'params' ? pathParams : part ? req[part] : undefined;
  for (const segment of fieldSegments) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[segment] : undefined;
  }
  const keyword = item.errorCode?.replace(/\.openapi\.validation$/, '') ?? '';
  const isUnknownQuery = /^Unknown query parameter/.test(item.message ?? '');
  const format = /must match format "(\w+)"/.exec(item.message ?? '')?.[1];
  return {
    path: fieldSegments.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('') || '(body)',
    i18nKey: FIELD_I18N_KEY,
    message: item.message ?? 'is invalid',
    invalidValue: echoable(value),
    constraint:
      format === 'email'
        ? 'Email'
        : (CONSTRAINTS[isUnknownQuery ? 'unknownQueryParameter' : keyword] ?? (keyword || 'Invalid')),
  };
}

function statusKey(status: number): I18nKey {
  switch (status) {
    case 401:
      return '401.501';
    case 404:
      return '404.001';
    case 405:
      return '405.001';
    case 413:
      return '413.001';
    case 414:
      return '414.001';
    case 415:
      return '415.001';
    case 429:
      return '429.001';
    case 503:
      return '503.001';
    default:
      return status >= 400 && status < 500 ? '400.001' : '500.001';
  }
}

/** The validator's errors and the loose query numbers it could not see (prechecks.ts), each once. */
function withLooseNumbers(errors: ValidatorItem[], req: Request): ValidatorItem[] {
  const reported = new Set(errors.map((item) => item.path));
  return [...errors, ...looseNumbersOf(req).filter((item) => !reported.has(item.path))];
}

/** Turns any thrown value into an ApiError; `unexpected` marks the ones worth an error log. */
export function toApiError(error: unknown, req: Request): { apiError: ApiError; unexpected: boolean } {
  if (error instanceof ApiError) return { apiError: error, unexpected: false };
  if (error instanceof StoreUnavailable) return { apiError: new ApiError('503.001'), unexpected: false };
  const e = (error ?? {}) as { type?: string; status?: number; errors?: ValidatorItem[] };
  // body-parser (express.json)
  switch (e.type) {
    case 'entity.parse.failed':
      return { apiError: new ApiError('400.501'), unexpected: false };
    case 'entity.too.large':
      return { apiError: new ApiError('413.001'), unexpected: false };
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return { apiError: new ApiError('415.001'), unexpected: false };
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return { apiError: new ApiError('400.001'), unexpected: false };
  }
  // express-openapi-validator
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    const key = statusKey(e.status);
    // At most MAX_VIOLATIONS listed: a body of a thousand bad items must not answer tenfold.
    const items = key === '400.001' && Array.isArray(e.errors) ? withLooseNumbers(e.errors, req).slice(0, MAX_VIOLATIONS) : [];
    return {
      apiError: new ApiError(key, {}, items.length > 0 ? items.map((item) => fieldViolation(req, item)) : undefined),
      unexpected: false,
    };
  }
  return { apiError: new ApiError('500.001'), unexpected: true };
}

export function errorInfo(apiError: ApiError, req: Request, requestId: string): ErrorInfo {
  return {
    timestamp: new Date().toISOString(),
    requestId,
    path: req.originalUrl.split('?')[0] ?? req.originalUrl,
    httpCode: apiError.httpCode,
    httpPhrase: STATUS_CODES[apiError.httpCode] ?? 'Error',
    i18nKey: apiError.i18nKey,
    message: apiError.message,
    ...(apiError.errors ? { errors: apiError.errors.map((violation) => ({ ...violation })) } : {}),
  };
}

/** Anything no route answered. */
export const notFound: RequestHandler = () => {
  throw new ApiError('404.001');
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const { apiError, unexpected } = toApiError(error, req);
    if (unexpected) logger.error({ err: error, requestId: res.locals.requestId }, 'unexpected error');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // Refused before its body was read (401, 403, 413, 415...): close the connection rather than
    // read the rest of a body already refused, however slowly it comes.
    if (hasUnreadBody(req)) res.setHeader('Connection', 'close');
    const body = errorInfo(apiError, req, String(res.locals.requestId));
    // A 405 names the methods the path has (the validator's error carries the Allow header).
    const headers = (error as { headers?: Record<string, string> } | undefined)?.headers;
    if (apiError.httpCode === 405 && headers?.Allow) res.setHeader('Allow', headers.Allow.toUpperCase());
    try {
      res.status(apiError.httpCode).json(body);
    } catch (renderError) {
      // Never fall through to Express's HTML error page: answer without the field details.
      logger.error({ err: renderError, requestId: res.locals.requestId }, 'could not render an error');
      res.status(apiError.httpCode).json({ ...body, errors: undefined });
    }
  };
}
