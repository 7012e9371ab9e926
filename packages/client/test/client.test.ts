/** The client on an injected fetch: what it sends and how it reads answers. No network. */
import { basic } from '@raas-customers/test-kit';
import { describe, expect, test } from 'vitest';
import { PRODUCTION_BASE_URL, SANDBOX_BASE_URL, createRaasClient, requestIdOf, type ErrorInfo, type operations } from '../src/index.js';

function recordingFetch(respond: (request: Request) => Response) {
  const requests: Request[] = [];
  const fetch = async (request: Request) => {
    requests.push(request.clone());
    return respond(request);
  };
  return { fetch, requests };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const errorInfo: ErrorInfo = {
  timestamp: '2018-04-26T18:13:12.874Z',
  requestId: '3f0c7c8e-8a8e-4a53-9a43-2f1c0e2b7d11',
  path: '/raas/v2/accounts/no-such-account',
  httpCode: 404,
  httpPhrase: 'Not Found',
  i18nKey: '404.016',
  message: 'The account you specified does not exist.',
};

describe('createRaasClient', () => {
  test('sends Basic credentials (UTF-8) and JSON to the chosen base URL', async () => {
    const { fetch, requests } = recordingFetch(() => json(201, { customerIdentifier: 'acme-retail-us' }));
    const client = createRaasClient({ baseUrl: 'http://127.0.0.1:9/raas/v2/', platformName: 'acmé', platformKey: 'k:ey', fetch });
    const { data } = await client.POST('/customers', {
      body: { customerIdentifier: 'acme-retail-us', displayName: 'Acme Retail US' },
    });
    expect(data?.customerIdentifier).toBe('acme-retail-us');
    const [request] = requests;
    expect(request?.url).toBe('http://127.0.0.1:9/raas/v2/customers');
    expect(request?.method).toBe('POST');
    expect(request?.headers.get('authorization')).toBe(basic('acmé', 'k:ey'));
    expect(request?.headers.get('content-type')).toBe('application/json');
    expect(await request?.json()).toEqual({ customerIdentifier: 'acme-retail-us', displayName: 'Acme Retail US' });
  });

  test('encodes path parameters and repeats array query parameters', async () => {
    const { fetch, requests } = recordingFetch(() => json(200, []));
    const client = createRaasClient({ baseUrl: SANDBOX_BASE_URL, platformName: 'p', platformKey: 'k', fetch });
    await client.GET('/customers/{customerIdentifier}/accounts', {
      params: { path: { customerIdentifier: 'acme-retail-us' }, query: { currencyCode: ['USD', 'EUR'], paginate: true } },
    });
    const url = new URL(requests[0]!.url);
    expect(url.origin + url.pathname).toBe(`${SANDBOX_BASE_URL}/customers/acme-retail-us/accounts`);
    expect(url.searchParams.getAll('currencyCode')).toEqual(['USD', 'EUR']);
    expect(url.searchParams.get('paginate')).toBe('true');
  });

  test('an error answer is an ErrorInfo, with its request id reachable', async () => {
    const { fetch } = recordingFetch(() => json(404, errorInfo, { 'X-REQUEST-ID': errorInfo.requestId }));
    const client = createRaasClient({ baseUrl: PRODUCTION_BASE_URL, platformName: 'p', platformKey: 'k', fetch });
    const result = await client.GET('/accounts/{accountIdentifier}', {
      params: { path: { accountIdentifier: 'no-such-account' } },
    });
    expect(result.data).toBeUndefined();
    expect(result.error).toEqual(errorInfo);
    expect(result.response.status).toBe(404);
    expect(requestIdOf(result)).toBe(errorInfo.requestId);
    expect(requestIdOf(result.response)).toBe(errorInfo.requestId);
  });

  test('a rename into a display name another account holds is a typed 409', async () => {
    // Does not compile unless the spec documents the 409 of updateCustomerAccount.
    type Conflict = operations['updateCustomerAccount']['responses'][409]['content']['application/json'];
    const conflict: Conflict = {
      ...errorInfo,
      path: '/raas/v2/customers/acme-retail-us/accounts/acme-q4-bonus',
      httpCode: 409,
      httpPhrase: 'Conflict',
      i18nKey: '409.017',
      message: 'The account display name, Q4 bonus pool, already exists on this platform.',
    };
    const { fetch } = recordingFetch(() => json(409, conflict));
    const client = createRaasClient({ baseUrl: SANDBOX_BASE_URL, platformName: 'p', platformKey: 'k', fetch });
    const result = await client.PATCH('/customers/{customerIdentifier}/accounts/{accountIdentifier}', {
      params: { path: { customerIdentifier: 'acme-retail-us', accountIdentifier: 'acme-q4-bonus' } },
      body: { displayName: 'Q4 bonus pool' },
    });
    expect(result.response.status).toBe(409);
    expect(result.error?.i18nKey).toBe('409.017');
    expect(result.error).toEqual(conflict);
  });

  test('refuses to guess an environment or run without credentials', () => {
    expect(() => createRaasClient({ baseUrl: '', platformName: 'p', platformKey: 'k' })).toThrow(/baseUrl is required/);
    expect(() => createRaasClient({ baseUrl: SANDBOX_BASE_URL, platformName: 'p', platformKey: '' })).toThrow(/platformKey/);
  });

  test('exports the two public environments', () => {
    expect(SANDBOX_BASE_URL).toBe('https://integration-api.tangocard.com/raas/v2');
    expect(PRODUCTION_BASE_URL).toBe('https://api.tangocard.com/raas/v2');
  });
});
