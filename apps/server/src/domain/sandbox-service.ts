/**
 * The rules of the sandbox controls: who may use them (the caller's platform only, full access
 * to change anything), the seed fixture's rules beyond its schema, fault rules and their
 * deterministic draws, the clock. It knows neither HTTP nor SQL.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { defaults } from './defaults.js';
import { ApiError, errorCatalogue, invalidField } from './errors.js';
import type { Account, AccountStatus, Principal } from './model.js';
import type { PlatformClocks } from './platform-clocks.js';
import { minorUnits } from './money.js';
import {
  type FaultAnswer,
  type FundingStore,
  type PlatformRows,
  type SandboxSettings,
  type SandboxStore,
  type SeedCustomer,
  type StoredFaultRule,
  UniqueViolation,
} from './ports.js';
import { ACCOUNT_NUMBER_ATTEMPTS, newAccountNumber } from './raas-service.js';
import type { components } from '../generated/sandbox.js';

type Schemas = components['schemas'];
export type SeedFixture = Schemas['SeedFixture'];
type FaultRuleCriteria = Schemas['FaultRuleCriteria'];
export type Clock = Schemas['Clock'];
export type Snapshot = Schemas['Snapshot'];
type BalanceAdjustment = Schemas['BalanceAdjustment'];

/**
 * The latest time a platform's clock may show: the last instant RFC 3339 can write (a later
 * year has five digits, and past year 275760 a date cannot be written at all).
 */
const MAX_CLOCK_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** Added latency is bounded: a fault must never hold a connection for long. */
export const MAX_LATENCY_MS = 10_000;

/** The controls act on the whole platform: a credential limited to some customers may not use them. */
export function assertControl(principal: Principal, { writes }: { writes: boolean }): void {
  if (principal.allowedCustomers) throw new ApiError('403.007');
  if (writes && principal.readOnly) throw new ApiError('403.017');
}

/** Whether the n-th match (1, 2, …) of a rule with this seed fires: a fixed draw in [0, 1) per (seed, n). */
export function draws(seed: number, n: number, probability: number): boolean {
  if (probability >= 1) return true;
  let t = (seed ^ Math.imul(n, 0x9e3779b9)) >>> 0;
  t = Math.imul(t ^ (t >>> 16), 0x85ebca6b);
  t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35);
  t ^= t >>> 16;
  return (t >>> 0) / 2 ** 32 < probability;
}

/**
 * A fault answer is an error of the catalogue whose status the operation documents (a client
 * typed from the spec knows it), bounded latency, or a drop: anything else is a 400 naming `path`.
 */
function checkedAnswer(answer: FaultAnswer, path: string, statuses: ReadonlySet<number>): FaultAnswer {
  if (answer.type === 'error') {
    const key = `${path}.i18nKey`;
    if (answer.i18nKey === undefined) throw invalidField(key, 'required', 'an error answer needs its i18nKey');
    if (!(answer.i18nKey in errorCatalogue)) throw invalidField(key, 'enum', 'must be a key of the error catalogue', answer.i18nKey);
    const { httpCode } = errorCatalogue[answer.i18nKey as keyof typeof errorCatalogue];
    if (!statuses.has(httpCode)) throw invalidField(key, 'enum', `the operation does not document ${httpCode}`, answer.i18nKey);
    return { type: 'error', i18nKey: answer.i18nKey, ...(answer.retryAfterSeconds ? { retryAfterSeconds: answer.retryAfterSeconds } : {}) };
  }
  if (answer.type === 'latency') {
    if (answer.latencyMs === undefined) throw invalidField(`${path}.latencyMs`, 'required', 'a latency answer needs latencyMs');
    if (answer.latencyMs > MAX_LATENCY_MS)
      throw invalidField(`${path}.latencyMs`, 'maximum', `must be <= ${MAX_LATENCY_MS}`, answer.latencyMs);
    return { type: 'latency', latencyMs: answer.latencyMs };
  }
  return { type: answer.type === 'drop-after' ? 'drop-after' : 'drop' };
}

/**
 * A date-time of a control's body as an instant, or a 400 naming `path`: the validator's format
 * check lets through texts no calendar holds (month 13, hour 29, second 60, 30 February), which
 * would otherwise become a NaN offset or createdAt.
 */
export function instant(path: string, text: string): Date {
  const time = Date.parse(text);
  const [, year, month, day] = /^(\d{4})-(\d{2})-(\d{2})/.exec(text) ?? [];
  const daysInMonth = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
  if (!Number.isFinite(time) || Number(month) < 1 || Number(month) > 12 || Number(day) < 1 || Number(day) > daysInMonth) {
    throw invalidField(path, 'Format', 'must be a date-time that exists (RFC 3339)', text);
  }
  return new Date(time);
}

export class SandboxService {
  constructor(
    private readonly store: SandboxStore & Pick<FundingStore, 'settleDueDeposits'>,
    private readonly clocks: PlatformClocks,
    /** The API's operations by operationId, with their documented statuses: a fault rule names one, and answers one of its statuses. */
    private readonly operations: ReadonlyMap<string, ReadonlySet<number>>,
    /** Where a seeded account's number comes from (a test draws collisions on purpose). */
    private readonly accountNumbers: () => string = newAccountNumber,
  ) {}

  async reset(principal: Principal): Promise<PlatformRows> {
    assertControl(principal, { writes: true });
    return this.store.resetPlatform(principal.platformId);
  }

  async snapshot(principal: Principal): Promise<Snapshot> {
    assertControl(principal, { writes: true });
    const snapshotId = randomUUID();
    // Stamped by the platform's clock, as everything the platform creates.
    const now = await this.#now(principal);
    const rows = await this.store.takeSnapshot(principal.platformId, snapshotId, now);
    return { snapshotId, createdAt: now.toISOString(), rows };
  }

  async restore(principal: Principal, snapshotId: string): Promise<Snapshot> {
    assertControl(principal, { writes: true });
    let restored: Awaited<ReturnType<SandboxStore['restoreSnapshot']>>;
    try {
      restored = await this.store.restoreSnapshot(principal.platformId, snapshotId);
    } catch (error) {
      // What the snapshot holds that is unique across platforms (an account number, an alert
      // id) may have gone to another platform since it was taken: nothing is restored.
      if (error instanceof UniqueViolation) {
        throw new ApiError('409.001', {
          detail: `The snapshot cannot be restored: another platform now holds one of its values (${error.target}).`,
        });
      }
      throw error;
    }
    if (!restored) throw new ApiError('404.001');
    return { snapshotId, ...restored };
  }

  async deleteSnapshot(principal: Principal, snapshotId: string): Promise<{ snapshotId: string }> {
    assertControl(principal, { writes: true });
    if (!(await this.store.deleteSnapshot(principal.platformId, snapshotId))) throw new ApiError('404.001');
    return { snapshotId };
  }

  async seed(principal: Principal, fixture: SeedFixture): Promise<PlatformRows> {
    assertControl(principal, { writes: true });
    const now = await this.#now(principal);
    const customerIds = new Set<string>();
    const accountIds = new Set<string>();
    const accountNames = new Set<string>();
    const accountNumbers = new Set<string>();
    const tokens = new Set<string>();
    const customers: SeedCustomer[] = fixture.customers.map((customer, c) => {
      if (customerIds.has(customer.customerIdentifier)) throw new ApiError('409.012', { id: customer.customerIdentifier });
      customerIds.add(customer.customerIdentifier);
      return {
        customerIdentifier: customer.customerIdentifier,
        displayName: customer.displayName,
        status: defaults.customerStatus,
        createdAt: customer.createdAt ? instant(`customers[${c}].createdAt`, customer.createdAt) : now,
        accounts: (customer.accounts ?? []).map((account, a) => {
          if (accountIds.has(account.accountIdentifier)) throw new ApiError('409.018', { id: account.accountIdentifier });
          if (accountNames.has(account.displayName)) throw new ApiError('409.017', { name: account.displayName });
          accountIds.add(account.accountIdentifier);
          accountNames.add(account.displayName);
          let accountNumber = this.accountNumbers();
          while (accountNumbers.has(accountNumber)) accountNumber = this.accountNumbers();
          accountNumbers.add(accountNumber);
          return {
            accountIdentifier: account.accountIdentifier,
            displayName: account.displayName,
            contactEmail: account.contactEmail,
            accountNumber,
            currencyCode: account.currencyCode ?? defaults.currencyCode,
            fundingNotification: defaults.fundingNotification(),
            status: account.status ?? defaults.accountStatus,
            // Exact cents (250.75 is 25075), at most two decimals, as every amount of the API.
            balanceMinor: minorUnits(`customers[${c}].accounts[${a}].currentBalance`, String(account.currentBalance ?? 0)),
            createdAt: account.createdAt ? instant(`customers[${c}].accounts[${a}].createdAt`, account.createdAt) : now,
            creditCards: (account.creditCards ?? []).map((card) => {
              const token = card.token ?? randomBytes(20).toString('hex');
              if (tokens.has(token)) throw new ApiError('409.001', { detail: `The card token ${token} is repeated in the fixture.` });
              tokens.add(token);
              return { token, label: card.label, lastFourDigits: card.lastFourDigits, expirationDate: card.expirationDate };
            }),
          };
        }),
      };
    });
    // Account numbers are unique across platforms: a collision with another platform's draws
    // them again, as creating an account does.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.seedPlatform(principal.platformId, customers);
      } catch (error) {
        if (!(error instanceof UniqueViolation) || error.target !== 'accountNumber' || attempt === ACCOUNT_NUMBER_ATTEMPTS) throw error;
        const drawn = new Set<string>();
        for (const account of customers.flatMap((customer) => customer.accounts)) {
          do account.accountNumber = this.accountNumbers();
          while (drawn.has(account.accountNumber));
          drawn.add(account.accountNumber);
        }
      }
    }
  }

  async setAccountStatus(principal: Principal, accountIdentifier: string, status: AccountStatus): Promise<Account> {
    assertControl(principal, { writes: true });
    const account = await this.store.setAccountStatus(principal.platformId, accountIdentifier, status);
    if (!account) throw new ApiError('404.016');
    return account;
  }

  async adjustBalance(principal: Principal, accountIdentifier: string, adjustment: BalanceAdjustment): Promise<Account> {
    assertControl(principal, { writes: true });
    const amountMinor = minorUnits('amount', String(adjustment.amount));
    if (amountMinor === 0) throw invalidField('amount', 'NotEqual', 'must not be 0', adjustment.amount);
    const reference = adjustment.reference ?? 'sandbox adjustment';
    const now = await this.#now(principal);
    const adjusted = await this.store.adjustBalance(principal.platformId, accountIdentifier, { amountMinor, reference }, now);
    if (adjusted === undefined) throw new ApiError('404.016');
    if (adjusted === 'overdrawn') throw new ApiError('402.001');
    return adjusted;
  }

  /** Decides a PENDING deposit now; the funding rules then settle it as when it resolves by itself. */
  async settleDeposit(principal: Principal, referenceDepositID: string, status: 'SUCCESS' | 'DECLINED'): Promise<void> {
    assertControl(principal, { writes: true });
    const now = await this.#now(principal);
    const decided = await this.store.decideDeposit(principal.platformId, referenceDepositID, status, now);
    if (decided === undefined) throw new ApiError('404.011');
    if (decided === 'not-pending') throw new ApiError('409.001', { detail: 'The deposit is not PENDING: it was settled already.' });
    await this.store.settleDueDeposits(principal.platformId, now);
  }

  async faultRules(principal: Principal): Promise<StoredFaultRule[]> {
    assertControl(principal, { writes: false });
    return this.store.faultRules(principal.platformId);
  }

  async addFaultRule(principal: Principal, criteria: FaultRuleCriteria): Promise<StoredFaultRule> {
    assertControl(principal, { writes: true });
    const statuses = this.operations.get(criteria.operationId);
    if (!statuses) throw invalidField('operationId', 'enum', 'must be an operationId of the API', criteria.operationId);
    return this.store.addFaultRule(
      principal.platformId,
      {
        faultId: randomUUID(),
        operationId: criteria.operationId,
        times: criteria.times ?? null,
        probability: criteria.probability ?? 1,
        seed: criteria.seed ?? 0,
        answer: checkedAnswer(criteria.answer, 'answer', statuses),
      },
      await this.#now(principal),
    );
  }

  async deleteFaultRules(principal: Principal): Promise<number> {
    assertControl(principal, { writes: true });
    return this.store.deleteFaultRules(principal.platformId);
  }

  /**
   * The answer that replaces this request's operation, if a rule fires: the oldest rule of the
   * operation that still has times left and whose draw fires. Each match is counted and each
   * firing consumed in the database, so that instances share one sequence.
   */
  async faultFor(principal: Principal, operationId: string): Promise<FaultAnswer | undefined> {
    for (const rule of await this.store.faultRules(principal.platformId, operationId)) {
      const n = await this.store.countFaultMatch(principal.platformId, rule.faultId);
      if (n === undefined || !draws(rule.seed, n, rule.probability)) continue;
      if (rule.times === null || (await this.store.consumeFault(principal.platformId, rule.faultId))) return rule.answer;
    }
    return undefined;
  }

  async rateLimit(principal: Principal): Promise<{ enabled: boolean }> {
    assertControl(principal, { writes: false });
    return { enabled: (await this.#settings(principal)).requestsPerSecond > 0 };
  }

  readonly #deletedListeners: ((principal: Principal) => void)[] = [];

  /** Called with the principal of each platform this instance deletes (app.ts: the credential cache forgets it). */
  onPlatformDeleted(listener: (principal: Principal) => void): void {
    this.#deletedListeners.push(listener);
  }

  /** Deletes the caller's own platform, when it is a throw-away one (POST /platforms), with everything it has. */
  async deletePlatform(principal: Principal): Promise<void> {
    assertControl(principal, { writes: true });
    const deleted = await this.store.deletePlatform(principal.platformId);
    // The development platform and operator-created ones are never deleted from the sandbox.
    if (deleted === 'not-throw-away') {
      throw new ApiError('409.001', {
        detail: 'Only a throw-away platform (POST /sandbox/v1/platforms) can be deleted: this one was not created as one.',
      });
    }
    // Undefined: a request at the same moment deleted it; either way it is gone, and this
    // instance forgets what it kept of it in memory.
    this.clocks.forget(principal.platformId);
    for (const listener of this.#deletedListeners) listener(principal);
  }

  /** Before each control of the platform: a credential revoked or a platform deleted since the credentials were cached (on any instance) is refused. */
  async beforeControl(principal: Principal): Promise<void> {
    await this.#settings(principal);
  }

  async setRateLimit(principal: Principal, enabled: boolean): Promise<{ enabled: boolean }> {
    assertControl(principal, { writes: true });
    await this.store.setRequestsPerSecond(principal.platformId, enabled ? 1 : 0);
    return { enabled };
  }

  /**
   * Before each API request of the platform: its clock offset as stored now (the clock port
   * reads it from memory), and the rate limit, when on.
   */
  async beforeRequest(principal: Principal): Promise<void> {
    const settings = await this.#settings(principal);
    this.clocks.remember(principal.platformId, settings.clockOffsetMs);
    if (settings.requestsPerSecond > 0) {
      const passed = await this.store.passRateLimit(
        principal.platformId,
        this.clocks.baseNow().getTime(),
        1000 / settings.requestsPerSecond,
      );
      if (!passed) throw new ApiError('429.008');
    }
  }

  async clock(principal: Principal): Promise<Clock> {
    assertControl(principal, { writes: false });
    const { clockOffsetMs } = await this.#settings(principal);
    return this.#clockAt(principal.platformId, clockOffsetMs);
  }

  async advanceClock(principal: Principal, milliseconds: number): Promise<Clock> {
    assertControl(principal, { writes: true });
    // Checked in the statement itself: of advances at once, all count and none passes the cap.
    const maxOffsetMs = MAX_CLOCK_MS - this.clocks.baseNow().getTime();
    const offset = await this.store.advanceClockOffset(principal.platformId, milliseconds, maxOffsetMs);
    if (offset === undefined) {
      throw invalidField('milliseconds', 'maximum', 'the platform clock would pass 9999-12-31T23:59:59.999Z', milliseconds);
    }
    return this.#clockAt(principal.platformId, offset);
  }

  async setClock(principal: Principal, now: string): Promise<Clock> {
    assertControl(principal, { writes: true });
    const at = instant('now', now).getTime();
    if (at > MAX_CLOCK_MS) throw invalidField('now', 'maximum', 'must not be after 9999-12-31T23:59:59.999Z', now);
    return this.#setOffset(principal.platformId, at - this.clocks.baseNow().getTime());
  }

  async resetClock(principal: Principal): Promise<Clock> {
    assertControl(principal, { writes: true });
    return this.#setOffset(principal.platformId, 0);
  }

  /** The platform's time, its offset read afresh (another instance may have moved it). */
  async #now(principal: Principal): Promise<Date> {
    this.clocks.remember(principal.platformId, (await this.#settings(principal)).clockOffsetMs);
    return this.clocks.now(principal.platformId);
  }

  /**
   * The sandbox settings of the principal's platform, read through its credential: a credential
   * revoked or a platform deleted meanwhile (on any instance) answers as unknown credentials do (401.501).
   */
  async #settings(principal: Principal): Promise<SandboxSettings> {
    const settings = await this.store.sandboxSettings(principal);
    if (!settings) throw new ApiError('401.501');
    return settings;
  }

  async #setOffset(platformId: number, offsetMs: number): Promise<Clock> {
    await this.store.setClockOffset(platformId, offsetMs);
    return this.#clockAt(platformId, offsetMs);
  }

  #clockAt(platformId: number, offsetMs: number): Clock {
    this.clocks.remember(platformId, offsetMs);
    return { now: this.clocks.now(platformId).toISOString(), offsetMs };
  }
}
