/**
 * The RaaS v2 error catalogue: every error the API answers, by i18nKey.
 * Errors are thrown once, as an ApiError carrying its key, and rendered as ErrorInfo in one place
 * (http/error-handler.ts). Nothing else decides a status code or a message.
 */
export const errorCatalogue = {
  '400.001': { httpCode: 400, message: 'Invalid Request' },
  '400.501': { httpCode: 400, message: 'JSON Parsing error. Please review your JSON formatting' },
  '401.501': { httpCode: 401, message: 'Authentication failed. Please check your platform name and key.' },
  '402.001': { httpCode: 402, message: 'There are insufficient funds in your account to process this order.' },
  '402.051': { httpCode: 402, message: 'There was an error authorizing the card. Please check your card details and try again.' },
  '403.007': { httpCode: 403, message: 'Customer Identifier not found in authorized ids.' },
  '403.017': { httpCode: 403, message: 'Platform is not verified to create customers or accounts.' },
  '404.001': { httpCode: 404, message: 'Not found' },
  '404.002': { httpCode: 404, message: 'This customer does not exist for this platform.' },
  '404.011': {
    httpCode: 404,
    message: 'The reference deposit ID provided was not found. Please verify format and ID and try again.',
  },
  '404.016': { httpCode: 404, message: 'The account you specified does not exist.' },
  '404.020': { httpCode: 404, message: 'The account does not exist under the specified customer.' },
  '404.022': { httpCode: 404, message: 'Credit card not found' },
  '405.001': { httpCode: 405, message: 'Method not allowed' },
  // One key for two duplicates (an externalRefID, an alert threshold): the detail says which.
  '409.001': { httpCode: 409, message: '{detail}' },
  '409.012': { httpCode: 409, message: 'This customer identifier, {id} exists already for this platform' },
  '409.017': { httpCode: 409, message: 'The account display name, {name}, already exists on this platform.' },
  '409.018': { httpCode: 409, message: 'The account identifier, {id}, already exists on this platform.' },
  '413.001': { httpCode: 413, message: 'Payload Too Large' },
  '414.001': { httpCode: 414, message: 'URI Too Long' },
  '415.001': { httpCode: 415, message: 'Unsupported Media Type' },
  '422.002': {
    httpCode: 422,
    message:
      'The card you attempted to un-register is not registered in our system or the account information provided is incorrect. ' +
      'Please check the customer, account and card token information for accuracy. ' +
      'You can use the GET creditCards call to verify the correct information.',
  },
  '422.003': { httpCode: 422, message: 'Transaction currency type does not match account' },
  '422.004': { httpCode: 422, message: 'Account must be ACTIVE to add transactions' },
  '422.036': { httpCode: 422, message: 'The card you attempted to fund with is not registered in our system.' },
  '422.050': {
    httpCode: 422,
    message: 'There are already 10 credit cards registered to this account. Please un-register a card and try again.',
  },
  '422.052': {
    httpCode: 422,
    message: 'Invalid funding amount. The amount you attempted to transact was outside of the allowable range.',
  },
  '422.156': { httpCode: 422, message: 'Account must have a status of ACTIVE' },
  '429.001': { httpCode: 429, message: 'Too many failed authentication attempts. Retry after the time in Retry-After.' },
  '429.003': {
    httpCode: 429,
    message: 'Funding failed because the registration process is not complete. Please try again once the registration period is complete.',
  },
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
  '422.006': { message: 'Field transferNotes must not exceed 150 characters in length.', constraint: 'Size' },
  '422.008': {
    message:
      'The account name or account identifier does not match our naming conventions. ' +
      'Please consult our acceptable naming conventions at https://sandbox.tangocard.com/raas_api_console/v2/',
    constraint: 'Pattern',
  },
  '422.014': { message: 'Please specify value to have between zero and two decimal places.', constraint: 'Digits' },
  '422.021': { message: "must be a valid value (e.g., 'currency').", constraint: 'Enum' },
  '422.042': { message: 'Elements per block must not exceed 100.', constraint: 'Max' },
  '422.110': { message: 'External Reference ID must not exceed 100 characters in length', constraint: 'Size' },
  '422.111': { message: 'The string value contains possibly insecure characters', constraint: 'Pattern' },
  '422.118': { message: 'length must be between 3 and 4', constraint: 'Size' },
  '422.119': { message: 'length must be between 1 and 100', constraint: 'Size' },
  '422.121': { message: 'must match "\\d{4}-\\d{2}"', constraint: 'Pattern' },
  '422.126': { message: 'length must be between 5 and 100', constraint: 'Size' },
  '422.128': { message: 'may not be null', constraint: 'NotNull' },
  '422.129': { message: 'length must be between 1 and 255', constraint: 'Size' },
  '422.134': { message: 'not a well-formed email address', constraint: 'Email' },
  '422.136': { message: 'size must be between 0 and 5', constraint: 'Size' },
  '422.138': { message: 'size must be between 0 and 50', constraint: 'Size' },
  '422.140': { message: 'Amount is larger than 6 digits or there are more than 2 digits for cents', constraint: 'Digits' },
  '422.141': { message: 'must be greater than or equal to 0', constraint: 'Min' },
  '422.501': { message: 'must match "{pattern}"', constraint: 'Pattern' },
} as const satisfies Record<string, { message: string; constraint: string | null }>;

export type FieldI18nKey = keyof typeof fieldErrorCatalogue;

/**
 * One invalid field or parameter of a request, as found. The error handler gives it the
 * catalogue's key, message and constraint name when it renders ErrorInfo.errors.
 */
export interface FieldViolation {
  path: string;
  /** The catalogue key, when whoever found it knows it (the domain's money rules); else the rule decides. */
  i18nKey?: FieldI18nKey;
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
    params: { id?: string; name?: string; detail?: string } = {},
    readonly errors?: readonly FieldViolation[],
  ) {
    const entry = errorCatalogue[i18nKey];
    // Replacer functions: a name is inserted as is, whatever `$` sequences it holds.
    let message: string = entry.message;
    if (params.id !== undefined) message = message.replace('{id}', () => params.id!);
    if (params.name !== undefined) message = message.replace('{name}', () => params.name!);
    if (params.detail !== undefined) message = message.replace('{detail}', () => params.detail!);
    super(message);
    this.name = 'ApiError';
    this.httpCode = entry.httpCode;
  }
}
