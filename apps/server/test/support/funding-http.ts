/**
 * Money over plain HTTP, for the tests that run the built server as processes (several
 * instances, crashes): accounts, a sandbox card, deposits and transfers, each answer with its
 * status and parsed body. The typed client's tests live in funding-contract.ts.
 */
import { basic, type Credentials, sandboxCardRequest } from '@raas-customers/test-kit';

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T & { i18nKey?: string };
}

export interface TransferSide {
  accountIdentifier: string;
  startingBalance: number;
  endingBalance: number;
}

export interface TransferAnswer {
  transferredAmount: number;
  externalRefID?: string;
  transferFrom: TransferSide;
  transferTo: TransferSide;
}

export function fundingHttp(credentials: Credentials) {
  const headers = { authorization: basic(credentials), 'content-type': 'application/json' };
  const post = async <T>(baseUrl: string, path: string, body: object): Promise<Answer<T>> => {
    const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as T & { i18nKey?: string } };
  };
  const expectStatus = <T>(answer: Answer<T>, status: number, what: string): T => {
    if (answer.status !== status) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  return {
    headers,
    post,
    /** A customer with these accounts (USD), the first with a sandbox Visa card; returns its token. */
    async accounts(baseUrl: string, customerIdentifier: string, accountIdentifiers: string[]): Promise<string> {
      expectStatus(await post(baseUrl, '/customers', { customerIdentifier, displayName: 'Funding customer' }), 201, customerIdentifier);
      for (const accountIdentifier of accountIdentifiers) {
        const created = await post(baseUrl, `/customers/${customerIdentifier}/accounts`, {
          accountIdentifier,
          displayName: `Pool ${accountIdentifier}`,
          contactEmail: 'finance@acme.example',
        });
        expectStatus(created, 201, accountIdentifier);
      }
      return (await this.card(baseUrl, customerIdentifier, accountIdentifiers[0]!)).token;
    },
    async card(baseUrl: string, customerIdentifier: string, accountIdentifier: string): Promise<{ token: string }> {
      const registered = await post<{ token: string }>(baseUrl, '/creditCards', sandboxCardRequest(customerIdentifier, accountIdentifier));
      return expectStatus(registered, 201, `card on ${accountIdentifier}`);
    },
    deposit(
      baseUrl: string,
      body: { customerIdentifier: string; accountIdentifier: string; creditCardToken: string; amount: number; externalRefID?: string },
    ) {
      return post<{ status: string; referenceDepositID: string }>(baseUrl, '/creditCardDeposits', body);
    },
    async funded(
      baseUrl: string,
      body: { customerIdentifier: string; accountIdentifier: string; creditCardToken: string; amount: number },
    ) {
      const answer = await this.deposit(baseUrl, body);
      if (expectStatus(answer, 200, `deposit into ${body.accountIdentifier}`).status !== 'SUCCESS') {
        throw new Error(`deposit not SUCCESS: ${JSON.stringify(answer.body)}`);
      }
    },
    transfer(baseUrl: string, body: { transferFrom: string; transferTo: string; amount: number; externalRefID?: string }) {
      return post<TransferAnswer>(baseUrl, '/transferFunds', body);
    },
    async balance(baseUrl: string, accountIdentifier: string): Promise<number> {
      const response = await fetch(`${baseUrl}/accounts/${accountIdentifier}`, { headers: { authorization: headers.authorization } });
      return ((await response.json()) as { currentBalance: number }).currentBalance;
    },
  };
}

/** How many of `answers` have that status (and, when given, that i18nKey). */
export function countOf(answers: Answer<unknown>[], status: number, i18nKey?: string): number {
  return answers.filter((a) => a.status === status && (i18nKey === undefined || a.body.i18nKey === i18nKey)).length;
}
