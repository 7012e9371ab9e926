/**
 * "Integrator code": what a rewards application would write on top of the RaaS client, and what
 * it wants to test against failures no hosted sandbox produces on demand. It retries what the API
 * says may be retried (429 after Retry-After, 503 and dropped connections with exponential
 * backoff), never a 4xx that says the request itself is wrong, and it waits for a Pending
 * deposit to be decided.
 */
import type { ErrorInfo, RaasClient } from '@raas-customers/client';

export interface RetryOptions {
  /** Attempts at most, the first included. */
  attempts: number;
  /** The first backoff; each next one doubles. */
  baseDelayMs: number;
  /** How to wait (tests record the delays instead of sleeping). */
  sleep: (ms: number) => Promise<void>;
}

export class RaasCallFailed extends Error {
  constructor(
    readonly status: number | undefined,
    readonly error: ErrorInfo | undefined,
  ) {
    super(`RaaS call failed: ${status ?? 'no answer'} ${error?.i18nKey ?? ''}`.trim());
    this.name = 'RaasCallFailed';
  }
}

type Outcome<T> = { data?: T; error?: unknown; response: Response };

/** Calls `call` until it succeeds, or fails in a way that retrying cannot fix, or attempts run out. */
export async function withRetries<T>(call: () => Promise<Outcome<T>>, options: RetryOptions): Promise<T> {
  let last: RaasCallFailed | undefined;
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    let delay = options.baseDelayMs * 2 ** (attempt - 1);
    try {
      const { data, error, response } = await call();
      if (data !== undefined && response.ok) return data;
      last = new RaasCallFailed(response.status, error as ErrorInfo | undefined);
      if (response.status === 429) delay = Number(response.headers.get('Retry-After') ?? 1) * 1000;
      else if (response.status !== 503) throw last;
    } catch (thrown) {
      if (thrown instanceof RaasCallFailed) throw thrown;
      // No answer at all (a dropped connection): retried like a 503.
      last = new RaasCallFailed(undefined, undefined);
    }
    if (attempt < options.attempts) await options.sleep(delay);
  }
  throw last ?? new RaasCallFailed(undefined, undefined);
}

/** Creates the customer of a new client of ours, and its rewards account, surviving transient failures. */
export async function onboardClient(
  raas: RaasClient,
  client: { id: string; name: string; financeEmail: string },
  retry: RetryOptions,
): Promise<{ accountNumber: string }> {
  await withRetries(() => raas.POST('/customers', { body: { customerIdentifier: client.id, displayName: client.name } }), retry);
  const account = await withRetries(
    () =>
      raas.POST('/customers/{customerIdentifier}/accounts', {
        params: { path: { customerIdentifier: client.id } },
        body: { accountIdentifier: `${client.id}-rewards`, displayName: `${client.name} rewards`, contactEmail: client.financeEmail },
      }),
    retry,
  );
  return { accountNumber: account.accountNumber };
}

/** Reads a deposit until it is no longer PENDING (its balance is then final), at most `polls` times. */
export async function awaitDeposit(
  raas: RaasClient,
  referenceDepositID: string,
  { polls, intervalMs, sleep }: { polls: number; intervalMs: number; sleep: (ms: number) => Promise<void> },
): Promise<'SUCCESS' | 'DECLINED'> {
  for (let poll = 1; poll <= polls; poll++) {
    const { data } = await raas.GET('/creditCardDeposits/{referenceDepositID}', { params: { path: { referenceDepositID } } });
    if (data && data.status !== 'PENDING') return data.status as 'SUCCESS' | 'DECLINED';
    await sleep(intervalMs);
  }
  throw new Error(`deposit ${referenceDepositID} still PENDING after ${polls} reads`);
}
