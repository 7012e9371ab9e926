/**
 * A typed client for the RaaS v2 customers-and-accounts API: openapi-fetch with types generated
 * from the contract, and Basic authentication applied to every request.
 */
import openapiFetch, { type Client, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './generated/api.js';
import type { components as SandboxComponents, operations as SandboxOperations, paths as SandboxPaths } from './generated/sandbox.js';

export type { components, operations, paths, SandboxComponents, SandboxOperations, SandboxPaths };

type Schemas = components['schemas'];
export type Customer = Schemas['Customer'];
export type AccountSummary = Schemas['AccountSummary'];
export type Account = Schemas['Account'];
export type CustomerPage = Schemas['CustomerPage'];
export type AccountPage = Schemas['AccountPage'];
export type CreateCustomerCriteria = Schemas['CreateCustomerCriteria'];
export type CreateAccountCriteria = Schemas['CreateAccountCriteria'];
export type UpdateAccountCriteria = Schemas['UpdateAccountCriteria'];
export type ErrorInfo = Schemas['ErrorInfo'];
export type FieldError = Schemas['FieldError'];
export type CreditCard = Schemas['CreditCard'];
export type CreditCardPage = Schemas['CreditCardPage'];
export type CreateCreditCardCriteria = Schemas['CreateCreditCardCriteria'];
export type CreditCardUnregister = Schemas['CreditCardUnregister'];
export type CreditCardDeposit = Schemas['CreditCardDeposit'];
export type CreditCardDepositCriteria = Schemas['CreditCardDepositCriteria'];
export type TransferFunds = Schemas['TransferFunds'];
export type TransferFundsCriteria = Schemas['TransferFundsCriteria'];
export type LowBalanceAlert = Schemas['LowBalanceAlert'];
export type LowBalanceAlertPage = Schemas['LowBalanceAlertPage'];
export type LowBalanceAlertCriteria = Schemas['LowBalanceAlertCriteria'];
export type UpdateLowBalanceAlertCriteria = Schemas['UpdateLowBalanceAlertCriteria'];

/** Tango Card's sandbox ("integration") environment. */
export const SANDBOX_BASE_URL = 'https://integration-api.tangocard.com/raas/v2';
/** Tango Card's production environment. */
export const PRODUCTION_BASE_URL = 'https://api.tangocard.com/raas/v2';

export interface RaasClientOptions {
  /**
   * Where the API lives, including `/raas/v2`: SANDBOX_BASE_URL, PRODUCTION_BASE_URL, or your own
   * server (e.g. `http://localhost:3000/raas/v2`). There is no default, so that no request ever
   * reaches an environment you did not choose.
   */
  baseUrl: string;
  /** Basic authentication user name. */
  platformName: string;
  /** Basic authentication password. */
  platformKey: string;
  /** A fetch implementation (tests, proxies, retries); the global fetch by default. */
  fetch?: (request: Request) => Promise<Response>;
}

export type RaasClient = Client<paths, 'application/json'>;

// openapi-fetch's CommonJS build exports `exports.default`; our CommonJS build imports it with
// Node's semantics (default = module.exports), so unwrap it there. The ES build gets the function.
const createClient: typeof openapiFetch =
  typeof openapiFetch === 'function' ? openapiFetch : (openapiFetch as unknown as { default: typeof openapiFetch }).default;

function base64Utf8(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** An openapi-fetch middleware that sends HTTP Basic credentials with every request. */
export function basicAuth(platformName: string, platformKey: string): Middleware {
  const authorization = `Basic ${base64Utf8(`${platformName}:${platformKey}`)}`;
  return {
    onRequest({ request }) {
      request.headers.set('Authorization', authorization);
      return request;
    },
  };
}

/** An openapi-fetch client of `Paths` at `baseUrl` (without its trailing slashes), sending the Basic credentials. */
function authenticatedClient<Paths extends {}>(options: RaasClientOptions): Client<Paths, 'application/json'> {
  const client = createClient<Paths, 'application/json'>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  client.use(basicAuth(options.platformName, options.platformKey));
  return client;
}

/** Creates a typed client: `client.GET('/customers/{customerIdentifier}', { params: … })`. */
export function createRaasClient(options: RaasClientOptions): RaasClient {
  if (!options.baseUrl) {
    throw new TypeError('createRaasClient: baseUrl is required (SANDBOX_BASE_URL, PRODUCTION_BASE_URL or your server)');
  }
  if (!options.platformName || !options.platformKey) {
    throw new TypeError('createRaasClient: platformName and platformKey are required');
  }
  return authenticatedClient<paths>(options);
}

type SandboxSchemas = SandboxComponents['schemas'];
export type SandboxPlatform = SandboxSchemas['SandboxPlatform'];
export type SeedFixture = SandboxSchemas['SeedFixture'];
export type Snapshot = SandboxSchemas['Snapshot'];
export type FaultRule = SandboxSchemas['FaultRule'];
export type FaultRuleCriteria = SandboxSchemas['FaultRuleCriteria'];
export type SandboxClock = SandboxSchemas['Clock'];

export type SandboxClient = Client<SandboxPaths, 'application/json'>;

export interface SandboxClientOptions {
  /**
   * Where the controls live, including `/sandbox/v1`: a RaaS Customers server in sandbox mode
   * (e.g. `http://localhost:3000/sandbox/v1`). Tango Card's own environments have none.
   */
  baseUrl: string;
  /** The platform the controls act on (the Basic user name). */
  platformName: string;
  platformKey: string;
  fetch?: (request: Request) => Promise<Response>;
}

/**
 * Creates a typed client of the sandbox controls: `sandbox.POST('/reset')`,
 * `sandbox.POST('/faults', { body: … })`, `sandbox.POST('/clock/advance', { body: … })`.
 */
export function createSandboxClient(options: SandboxClientOptions): SandboxClient {
  if (!options.baseUrl) throw new TypeError('createSandboxClient: baseUrl is required (e.g. http://localhost:3000/sandbox/v1)');
  if (!options.platformName || !options.platformKey) {
    throw new TypeError('createSandboxClient: platformName and platformKey are required');
  }
  return authenticatedClient<SandboxPaths>(options);
}

/** The X-REQUEST-ID of a response: quote it when you contact support. */
export function requestIdOf(result: { response: Response } | Response): string | undefined {
  // Not `instanceof Response`: a Response from another realm or fetch implementation is one too.
  const response = 'response' in result ? result.response : result;
  return response.headers.get('X-REQUEST-ID') ?? undefined;
}
