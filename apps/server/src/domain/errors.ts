/**
 * The RaaS v2 error catalogue: every error the API answers, by i18nKey.
 * Errors are thrown once, as an ApiError carrying its key, and rendered as ErrorInfo in one place
 * (http/error-handler.ts). Nothing else decides a status code or a message.
 */
export const errorCatalogue = {
  '400.001': { httpCode: 400, message: 'Invalid Request' },
  '400.501': { httpCode: 400, message: 'JSON Parsing error. Please review your JSON formatting' },
  '401.501': { httpCode: 401, message: 'Authentication failed. Please check your platform name and key.' },
  '403.007': { httpCode: 403, message: 'Customer Identifier not found in authorized ids.' },
  '403.017': { httpCode: 403, message: 'Platform is not verified to create customers or accounts.' },
  '404.001': { httpCode: 404, message: 'Not found' },
  '404.002': { httpCode: 404, message: 'This customer does not exist for this platform.' },
  '404.016': { httpCode: 404, message: 'The account you specified does not exist.' },
  '404.020': { httpCode: 404, message: 'The account does not exist under the specified customer.' },
  '405.001': { httpCode: 405, message: 'Method not allowed' },
  '409.012': { httpCode: 409, message: 'This customer identifier, {id} exists already for this platform' },
  '409.017': { httpCode: 409, message: 'The account display name, {name}, already exists on this platform.' },
  '409.018': { httpCode: 409, message: 'The account identifier, {id}, already exists on this platform.' },
  '413.001': { httpCode: 413, message: 'Payload Too Large' },
  '414.001': { httpCode: 414, message: 'URI Too Long' },
  '415.001': { httpCode: 415, message: 'Unsupported Media Type' },
  '429.001': { httpCode: 429, message: 'Too many failed authentication attempts. Retry after the time in Retry-After.' },
  // Tango's catalogue: "{0} rate limit {1} TPS threshold reached." (the sandbox's emulation of its 1 request a second).
  '429.008': { httpCode: 429, message: 'Platform rate limit 1 TPS threshold reached.' },
  '500.001': { httpCode: 500, message: 'An unexpected error occurred' },
  '503.001': { httpCode: 503, message: 'Service Unavailable' },
} as const satisfies Record<string, { httpCode: number; message: string }>;

export type I18nKey = keyof typeof errorCatalogue;

/**
 * The keys of ErrorInfo.errors: each rule a field or parameter can break, with the message of
 * Tango Card's catalogue and the constraint it is named by. `{pattern}` stands for the spec's
 * pattern, `{detail}` for what is wrong; 422.001 is named by the rule that broke (constraint null).
 * The README, the spec's description and its examples are checked against this (catalogue.test.ts).
 */
export const fieldErrorCatalogue = {
  '422.001': { message: 'Unprocessable entity: {detail}', constraint: null },
  '422.008': {
    message:
      'The account name or account identifier does not match our naming conventions. ' +
      'Please consult our acceptable naming conventions at https://sandbox.tangocard.com/raas_api_console/v2/',
    constraint: 'Pattern',
  },
  '422.021': { message: "must be a valid value (e.g., 'currency').", constraint: 'Enum' },
  '422.111': { message: 'The string value contains possibly insecure characters', constraint: 'Pattern' },
  '422.126': { message: 'length must be between 5 and 100', constraint: 'Size' },
  '422.128': { message: 'may not be null', constraint: 'NotNull' },
  '422.129': { message: 'length must be between 1 and 255', constraint: 'Size' },
  '422.134': { message: 'not a well-formed email address', constraint: 'Email' },
  '422.138': { message: 'size must be between 0 and 50', constraint: 'Size' },
  '422.501': { message: 'must match "{pattern}"', constraint: 'Pattern' },
} as const satisfies Record<string, { message: string; constraint: string | null }>;

export type FieldI18nKey = keyof typeof fieldErrorCatalogue;

/**
 * One invalid field or parameter of a request, as found. The error handler gives it the
 * catalogue's key, message and constraint name when it renders ErrorInfo.errors.
 */
export interface FieldViolation {
  path: string;
  /** The JSON Schema keyword that failed (`pattern`, `required`…), or a constraint of our own (`Cursor`). */
  rule: string;
  /** What is wrong, in the words of whoever found it. */
  detail: string;
  invalidValue?: unknown;
}

export function fieldViolation(path: string, rule: string, detail: string, invalidValue?: unknown): FieldViolation {
  return { path, rule, detail, ...(invalidValue === undefined ? {} : { invalidValue }) };
}

/** A 400.001 naming one invalid field or parameter. */
export function invalidField(path: string, rule: string, detail: string, invalidValue?: unknown): ApiError {
  return new ApiError('400.001', {}, [fieldViolation(path, rule, detail, invalidValue)]);
}

export class ApiError extends Error {
  readonly httpCode: number;

  constructor(
    readonly i18nKey: I18nKey,
    params: { id?: string; name?: string } = {},
    readonly errors?: readonly FieldViolation[],
  ) {
    const entry = errorCatalogue[i18nKey];
    // Replacer functions: a name is inserted as is, whatever `$` sequences it holds.
    let message: string = entry.message;
    if (params.id !== undefined) message = message.replace('{id}', () => params.id!);
    if (params.name !== undefined) message = message.replace('{name}', () => params.name!);
    super(message);
    this.name = 'ApiError';
    this.httpCode = entry.httpCode;
  }
}
