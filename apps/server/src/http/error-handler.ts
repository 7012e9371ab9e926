/**
 * The one place where every failure becomes an ErrorInfo body: domain errors, body-parser errors,
 * express-openapi-validator errors and anything unexpected (500, logged, never shown).
 */
import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ApiError, type FieldI18nKey, type FieldViolation, type I18nKey, fieldErrorCatalogue } from '../domain/errors.js';
import type { ErrorInfo } from '../domain/model.js';
import { loadSpec } from '../spec.js';
import type { Principal } from '../domain/model.js';
import { ForeignKeyViolation, PlatformGone, type Store, StoreUnavailable } from '../domain/ports.js';
import { challenge } from './authenticate.js';
import { hasUnreadBody } from './body.js';
import { looseNumbersOf, rawQueryOf } from './prechecks.js';

type FieldError = NonNullable<ErrorInfo['errors']>[number];

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
  // The validator coerces query values in place: where that changed what was sent (`0x10` read
  // as 16, a blank as 0, `Infinity`), echo the text as sent.
  const sent = part === 'query' && fieldSegments.length === 1 ? rawQueryOf(req)?.[fieldSegments[0]!] : undefined;
  if (typeof sent === 'string' && (String(value) !== sent || (typeof value === 'number' && !Number.isFinite(value)))) value = sent;
  const keyword = item.errorCode?.replace(/\.openapi\.validation$/, '') ?? '';
  const isUnknownQuery = /^Unknown query parameter/.test(item.message ?? '');
  return {
    path: fieldSegments.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('') || '(body)',
    rule: isUnknownQuery ? 'unknownQueryParameter' : keyword || 'Invalid',
    detail: item.message ?? 'is invalid',
    invalidValue: echoable(value),
  };
}

// ---------------------------------------------------------------------------------------------
// Field errors in the words of Tango Card's message catalogue (API-REFERENCE, field-error table):
// its Java client prints errors[].i18nKey's message, so a wrong key prints a wrong message. The
// rules that have their own key are recognised by the spec's own values (a pattern, a bound),
// read from the bundled spec rather than retyped here.

type Catalogued = Pick<FieldError, 'i18nKey' | 'message' | 'constraint'>;

const specSchemas = (loadSpec() as { components: { schemas: Record<string, SpecSchema> } }).components.schemas;
interface SpecSchema {
  pattern?: string;
  maxLength?: number;
  properties?: Record<string, SpecSchema & { maxItems?: number }>;
}
const RULES = {
  customerIdentifier: specSchemas.CustomerIdentifier?.pattern,
  accountIdentifier: specSchemas.AccountIdentifier?.pattern,
  displayName: specSchemas.DisplayName?.pattern,
  emailMaxLength: specSchemas.EmailAddress?.maxLength,
  recipientsMaxItems: specSchemas.CreateAccountCriteria?.properties?.fundingNotification?.maxItems,
};
/** The display name's length bounds, as its pattern states them (`{5,100}`). */
const [DISPLAY_NAME_MIN, DISPLAY_NAME_MAX] = (/\{(\d+),(\d+)\}\$$/.exec(RULES.displayName ?? '') ?? []).slice(1).map(Number);

/** A field error of the catalogue whose message and constraint are fixed. */
const fixed = (i18nKey: Exclude<FieldI18nKey, '422.001' | '422.501'>): Catalogued => ({ i18nKey, ...fieldErrorCatalogue[i18nKey] });
const NOT_NULL = fixed('422.128');
const ACCOUNT_IDENTIFIER = fixed('422.008');
const DISPLAY_NAME_SIZE = fixed('422.126');
const INSECURE = fixed('422.111');
const EMAIL = fixed('422.134');
const EMAIL_SIZE = fixed('422.129');
const RECIPIENTS_SIZE = fixed('422.138');
const ENUM = fixed('422.021');

/**
 * The funding fields whose rules have keys of their own in the catalogue, by the field's name
 * (the last segment of its path) and the rule that broke.
 */
const FUNDING_FIELD_KEYS: Record<string, Partial<Record<string, Exclude<FieldI18nKey, '422.001' | '422.501'>>>> = {
  amount: { minimum: '422.141' },
  balanceAlertThreshold: { minimum: '422.141' },
  verificationNumber: { minLength: '422.118', maxLength: '422.118' },
  expiration: { pattern: '422.121' },
  label: { minLength: '422.119', maxLength: '422.119' },
  balanceAlertDisplayName: { minLength: '422.119', maxLength: '422.119' },
  contactInformation: { maxItems: '422.136' },
  // An empty one is not "over 100 characters": it gets 422.001 with the validator's detail.
  externalRefID: { maxLength: '422.110' },
  transferNotes: { maxLength: '422.006' },
  elementsPerBlock: { maximum: '422.042' },
};

/** The catalogue's key, message and constraint for the rule a field broke. */
function catalogued({ path, rule, detail, invalidValue, i18nKey }: FieldViolation): Catalogued {
  if (i18nKey !== undefined && i18nKey !== '422.001' && i18nKey !== '422.501') return fixed(i18nKey);
  const field = /([A-Za-z]+)(?:\[\d+\])?$/.exec(path)?.[1] ?? '';
  const own = FUNDING_FIELD_KEYS[field]?.[rule];
  if (own) return fixed(own);
  const limit = Number(/more than (\d+)/.exec(detail)?.[1]);
  switch (rule) {
    case 'required':
      return NOT_NULL;
    case 'type':
      if (invalidValue === null) return NOT_NULL;
      break;
    case 'pattern': {
      const pattern = /^must match pattern "(.*)"$/.exec(detail)?.[1];
      if (pattern === RULES.customerIdentifier) {
        const { message, constraint } = fieldErrorCatalogue['422.501'];
        return { i18nKey: '422.501', message: message.replace('{pattern}', () => `${pattern}`), constraint };
      }
      if (pattern === RULES.accountIdentifier) return ACCOUNT_IDENTIFIER;
      if (pattern === RULES.displayName && typeof invalidValue === 'string') {
        // One pattern holds both rules: a name of the right length broke the characters rule.
        const length = [...invalidValue].length;
        return length < DISPLAY_NAME_MIN! || length > DISPLAY_NAME_MAX! ? DISPLAY_NAME_SIZE : INSECURE;
      }
      break;
    }
    case 'format':
      if (detail.includes('"email"')) return EMAIL;
      break;
    case 'maxLength':
      if (limit === RULES.emailMaxLength) return EMAIL_SIZE;
      break;
    case 'maxItems':
      if (limit === RULES.recipientsMaxItems) return RECIPIENTS_SIZE;
      break;
    case 'enum':
      return ENUM;
  }
  const message = fieldErrorCatalogue['422.001'].message.replace('{detail}', () => detail);
  return { i18nKey: '422.001', message, constraint: CONSTRAINTS[rule] ?? rule };
}

/**
 * Card data (the number, its code, the billing address) is never echoed: a field of these objects
 * is named in an error, its value is not.
 */
const NEVER_ECHOED = /^(?:creditCard|billingAddress)(?:$|[.[])/;

/** A violation as ErrorInfo lists it. */
function fieldError(violation: FieldViolation): FieldError {
  const echoed = violation.invalidValue !== undefined && !NEVER_ECHOED.test(violation.path);
  return {
    path: violation.path,
    ...catalogued(violation),
    ...(echoed ? { invalidValue: violation.invalidValue } : {}),
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

/**
 * The validator's errors and the loose query numbers it could not see (prechecks.ts), one per
 * field: for a loose number the validator judged its coerced value (a blank as 0), so the
 * decimal rule is the one to report.
 */
function withLooseNumbers(errors: ValidatorItem[], req: Request): ValidatorItem[] {
  const loose = looseNumbersOf(req);
  const replaced = new Set(loose.map((item) => item.path));
  return [...errors.filter((item) => item.path === undefined || !replaced.has(item.path)), ...loose];
}

/** Turns any thrown value into an ApiError; `unexpected` marks the ones worth an error log. */
export function toApiError(error: unknown, req: Request): { apiError: ApiError; unexpected: boolean } {
  if (error instanceof ApiError) return { apiError: error, unexpected: false };
  if (error instanceof StoreUnavailable) return { apiError: new ApiError('503.001'), unexpected: false };
  // The platform was deleted after the request was authenticated: its credentials are unknown now.
  if (error instanceof PlatformGone) return { apiError: new ApiError('401.501'), unexpected: false };
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
    ...(apiError.errors ? { errors: apiError.errors.map(fieldError) } : {}),
  };
}

/** Anything no route answered. */
export const notFound: RequestHandler = () => {
  throw new ApiError('404.001');
};

/**
 * Before the error handler: what a broken foreign key (ForeignKeyViolation) means. Only in
 * sandbox mode, where platforms are deleted, and only for a request with credentials, whose
 * credential (or its platform) is looked up again: gone, the platform was deleted while the
 * request was under way, which answers as unknown credentials do (PlatformGone, 401.501).
 * Otherwise — production mode, where no platform is ever deleted, a request without
 * credentials, or a credential still there — it is a bug: a logged 500 as any unexpected error.
 */
export function foreignKeyFailures(options: { sandbox: boolean; store: Store }): ErrorRequestHandler {
  return async (error, _req, res, next) => {
    const principal = res.locals.principal as Principal | undefined;
    if (!(error instanceof ForeignKeyViolation) || !options.sandbox || !principal) {
      next(error);
      return;
    }
    let gone: boolean;
    try {
      gone = (await options.store.sandboxSettings(principal)) === undefined;
    } catch (lookup) {
      // The database out of reach now: a 503 to retry; anything else, the original error's 500.
      next(lookup instanceof StoreUnavailable ? lookup : error);
      return;
    }
    next(gone ? new PlatformGone() : error);
  };
}

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
    const body = errorInfo(apiError, req, res.locals.requestId);
    // An error is about one request: never cached, wherever it arose (before the API's own
    // no-store middleware too, e.g. a refused request target).
    res.setHeader('Cache-Control', 'no-store');
    // A 405 names the methods the path has (the validator's error carries the Allow header), and
    // HEAD wherever GET is (app.ts answers it).
    const headers = (error as { headers?: Record<string, string> } | undefined)?.headers;
    // Every 401 carries the challenge (RFC 9110), wherever it was refused: authentication, a
    // credential gone since it was cached, a platform deleted mid-request.
    if (apiError.httpCode === 401) challenge(res);
    if (apiError.httpCode === 405 && headers?.Allow) {
      const allowed = headers.Allow.toUpperCase().split(/,\s*/);
      res.setHeader('Allow', (allowed.includes('GET') ? [...allowed, 'HEAD'] : allowed).join(', '));
    }
    try {
      res.status(apiError.httpCode).json(body);
    } catch (renderError) {
      // Never fall through to Express's HTML error page: answer without the field details.
      logger.error({ err: renderError, requestId: res.locals.requestId }, 'could not render an error');
      res.status(apiError.httpCode).json({ ...body, errors: undefined });
    }
  };
}
