/**
 * The rules of money on accounts: registering sandbox credit cards, deposits from them (their
 * fee and their deterministic sandbox outcomes), and transfers between accounts. Amounts are
 * minor units throughout (money.ts); every rule that depends on stored state is decided inside
 * the store's transaction, on the locked accounts, by the `decide` callbacks below.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { assertAccountOfCustomer, assertMayTouch, assertMayWrite, mayTouch, scopeOf } from './access.js';
import type { Clock } from './clock.js';
import type { CursorCodec, CursorScope } from './cursors.js';
import { ApiError, invalidField } from './errors.js';
import { filtersOf } from './filters.js';
import type {
  CreateCreditCardCriteria,
  CreditCard,
  CreditCardDeposit,
  CreditCardDepositCriteria,
  CreditCardPage,
  CreditCardUnregister,
  CreditCardUnregisterCriteria,
  DepositStatus,
  ListCreditCardsQuery,
  Principal,
  TransferAccount,
  TransferFunds,
  TransferFundsCriteria,
} from './model.js';
import { fromMinor, minorUnits, roundHalfUp } from './money.js';
import { everything, pageOf } from './paging.js';
import {
  type CardFilters,
  type CustomerStore,
  type FundedAccount,
  type FundingStore,
  type NewDeposit,
  type StoredDeposit,
  UniqueViolation,
} from './ports.js';

/** The sandbox's test cards (the reference's funding operations page) and their code lengths. */
const SANDBOX_CARDS = new Map([
  ['4111111111111111', 3], // Visa
  ['5555555555554444', 3], // MasterCard
  ['6011111111111117', 3], // Discover
  ['378282246310005', 4], // Amex
]);

export const MAX_CARDS_PER_ACCOUNT = 10;
/** The fee, 3.5 %: in per-mille so that it is an integer ratio. */
export const FEE_PERCENT = 3.5;
const FEE_PER_MILLE = 35;
/** Deposits are in US dollars, 0.01 to 10,000.00; a transfer moves at least 0.01. */
const DEPOSIT_CURRENCY = 'USD';
const DEPOSIT_MIN_MINOR = 1;
const DEPOSIT_MAX_MINOR = 1_000_000;
const TRANSFER_MIN_MINOR = 1;

/** The sandbox amounts whose outcome is not an immediate SUCCESS: what they are, what they become. */
const SANDBOX_OUTCOMES = new Map<number, { status: DepositStatus; resolvesTo: DepositStatus }>([
  [100_100, { status: 'PENDING', resolvesTo: 'SUCCESS' }],
  [100_200, { status: 'PENDING', resolvesTo: 'DECLINED' }],
  [100_300, { status: 'DECLINED', resolvesTo: 'DECLINED' }],
]);

const UNREGISTERED_MESSAGE = 'This card is no longer present in the system.';
const DUPLICATE_FUNDING = 'externalRefID is not unique. Duplicate funding request.';

/** The fee of a deposit, 3.5 % of the amount rounded half up to the cent. */
export function depositFee(amountMinor: number): number {
  return roundHalfUp(amountMinor * FEE_PER_MILLE, 1000);
}

/** `RAD-`, the day as YYMMDD, `-`, eight digits (unique on the platform; a collision is retried). */
function newReferenceDepositID(now: Date): string {
  const day = now.toISOString().slice(2, 10).replace(/-/g, '');
  return `RAD-${day}-${randomInt(0, 100_000_000).toString().padStart(8, '0')}`;
}

const REFERENCE_ATTEMPTS = 8;

export interface FundingOptions {
  /** How long a PENDING sandbox deposit stays pending (DEPOSIT_PENDING_MS). */
  depositPendingMs: number;
}

export class FundingService {
  constructor(
    private readonly store: FundingStore & CustomerStore,
    private readonly clock: Clock,
    private readonly cursors: () => Promise<CursorCodec>,
    private readonly options: FundingOptions,
  ) {}

  #now(principal: Principal): Date {
    return this.clock.now(principal.platformId);
  }

  async registerCard(principal: Principal, criteria: CreateCreditCardCriteria): Promise<CreditCard> {
    assertMayWrite(principal);
    await assertAccountOfCustomer(this.store, principal, criteria.customerIdentifier, criteria.accountIdentifier);
    const now = this.#now(principal);
    const { number, expiration, verificationNumber } = criteria.creditCard;
    // Only the sandbox cards authorize, with a code of their length, before they expire.
    const expired = expiration < now.toISOString().slice(0, 7);
    if (SANDBOX_CARDS.get(number) !== verificationNumber.length || expired) throw new ApiError('402.051');
    const stored = await this.store.registerCard(
      principal.platformId,
      criteria.accountIdentifier,
      (account, activeCards) => {
        if (!account) throw new ApiError('404.016');
        if (account.status !== 'ACTIVE') throw new ApiError('422.156');
        if (activeCards >= MAX_CARDS_PER_ACCOUNT) throw new ApiError('422.050');
        return {
          token: randomBytes(20).toString('hex'),
          label: criteria.label,
          lastFourDigits: number.slice(-4),
          expirationDate: expiration,
          contactInformation: criteria.contactInformation ?? [],
          status: 'ACTIVE',
          // The sandbox activates a card at once (its activationDate is its createdDate).
          activationAt: now.getTime(),
        };
      },
      now,
    );
    return stored.card;
  }

  #cardFilters(principal: Principal, query: ListCreditCardsQuery): CardFilters {
    if (query.customerIdentifier !== undefined) assertMayTouch(principal, query.customerIdentifier);
    const statuses: CardFilters['statuses'] = query.status ? [query.status] : query.showInactive ? ['ACTIVE', 'DELETED'] : ['ACTIVE'];
    return { customerIdentifier: query.customerIdentifier, accountIdentifier: query.accountIdentifier, statuses };
  }

  async cardPage(principal: Principal, query: ListCreditCardsQuery): Promise<CreditCardPage> {
    const filters = this.#cardFilters(principal, query);
    const scope: CursorScope = { platformId: principal.platformId, list: 'creditCards', filters: filtersOf(query) };
    return pageOf(await this.cursors(), scope, query, (window) =>
      this.store.listCards(principal.platformId, scopeOf(principal), filters, window),
    );
  }

  allCards(principal: Principal, query: ListCreditCardsQuery): AsyncIterable<CreditCard[]> {
    const filters = this.#cardFilters(principal, query);
    return everything((window) => this.store.listCards(principal.platformId, scopeOf(principal), filters, window));
  }

  async getCard(principal: Principal, token: string): Promise<CreditCard> {
    const found = await this.store.findCard(principal.platformId, token);
    if (!found) throw new ApiError('404.022');
    assertMayTouch(principal, found.card.customerIdentifier);
    return found.card;
  }

  async unregisterCard(principal: Principal, criteria: CreditCardUnregisterCriteria): Promise<CreditCardUnregister> {
    assertMayWrite(principal);
    await assertAccountOfCustomer(this.store, principal, criteria.customerIdentifier, criteria.accountIdentifier);
    const now = this.#now(principal);
    const done = await this.store.unregisterCard(principal.platformId, criteria.accountIdentifier, criteria.creditCardToken, now);
    if (!done) throw new ApiError('422.002');
    return { token: criteria.creditCardToken, message: UNREGISTERED_MESSAGE, createdDate: now.toISOString() };
  }

  /** `amountText`: the amount as the client wrote it (its decimals are counted there). */
  async deposit(principal: Principal, criteria: CreditCardDepositCriteria, amountText: string): Promise<CreditCardDeposit> {
    assertMayWrite(principal);
    assertMayTouch(principal, criteria.customerIdentifier);
    const amountMinor = minorUnits('amount', amountText);
    await assertAccountOfCustomer(this.store, principal, criteria.customerIdentifier, criteria.accountIdentifier);
    const now = this.#now(principal);
    const outcome = SANDBOX_OUTCOMES.get(amountMinor) ?? { status: 'SUCCESS', resolvesTo: 'SUCCESS' };
    const request = {
      accountIdentifier: criteria.accountIdentifier,
      token: criteria.creditCardToken,
      externalRefID: criteria.externalRefID,
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const stored = await this.store.deposit(
          principal.platformId,
          request,
          ({ account, card, duplicate }): NewDeposit => {
            if (!account) throw new ApiError('404.016');
            if (card?.card.status !== 'ACTIVE' || card.accountId !== account.id) throw new ApiError('422.036');
            if (account.status !== 'ACTIVE') throw new ApiError('422.004');
            if (account.currencyCode !== DEPOSIT_CURRENCY) throw new ApiError('422.003');
            if (amountMinor < DEPOSIT_MIN_MINOR || amountMinor > DEPOSIT_MAX_MINOR) throw new ApiError('422.052');
            if (now.getTime() < card.activationAt) throw new ApiError('429.003');
            if (duplicate) throw new ApiError('409.001', { detail: DUPLICATE_FUNDING });
            return {
              referenceDepositID: newReferenceDepositID(now),
              amountMinor,
              feeMinor: depositFee(amountMinor),
              ...outcome,
              resolveAt: now.getTime() + (outcome.status === 'PENDING' ? this.options.depositPendingMs : 0),
              externalRefID: criteria.externalRefID,
            };
          },
          now,
        );
        return depositView(stored);
      } catch (error) {
        if (!(error instanceof UniqueViolation)) throw error;
        // A duplicate that raced past the check (another instance): the index refused it.
        if (error.target === 'externalRefID') throw new ApiError('409.001', { detail: DUPLICATE_FUNDING });
        if (error.target !== 'depositReference' || attempt === REFERENCE_ATTEMPTS) throw error;
      }
    }
  }

  async getDeposit(principal: Principal, referenceDepositID: string): Promise<CreditCardDeposit> {
    await this.store.settleDueDeposits(principal.platformId, this.#now(principal));
    const found = await this.store.findDeposit(principal.platformId, referenceDepositID);
    if (!found) throw new ApiError('404.011');
    assertMayTouch(principal, found.customerIdentifier);
    return depositView(found);
  }

  async transfer(principal: Principal, criteria: TransferFundsCriteria, amountText: string): Promise<TransferFunds> {
    assertMayWrite(principal);
    const amountMinor = minorUnits('amount', amountText);
    if (criteria.transferFrom === criteria.transferTo) {
      throw invalidField('transferTo', 'NotEqual', 'must not be the account of transferFrom', criteria.transferTo);
    }
    const now = this.#now(principal);
    // The source's balance must include every deposit decided by now.
    await this.store.settleDueDeposits(principal.platformId, now);
    try {
      const done = await this.store.transfer(
        principal.platformId,
        criteria,
        ({ from, to, duplicate }) => {
          // An account of a customer outside the credential's list counts as outside, on either side.
          for (const account of [from, to]) if (account && !mayTouch(principal, account.customerIdentifier)) throw new ApiError('403.007');
          if (!from || !to) throw new ApiError('404.016');
          if (from.status !== 'ACTIVE' || to.status !== 'ACTIVE') throw new ApiError('422.004');
          if (from.currencyCode !== to.currencyCode) throw new ApiError('422.003');
          if (amountMinor < TRANSFER_MIN_MINOR) throw new ApiError('422.052');
          if (duplicate) throw new ApiError('409.001', { detail: DUPLICATE_FUNDING });
          if (from.balanceMinor < amountMinor) throw new ApiError('402.001');
          return { amountMinor, transferNotes: criteria.transferNotes };
        },
        now,
      );
      return {
        transferDate: new Date(done.createdAt).toISOString(),
        transferredAmount: fromMinor(amountMinor),
        ...(criteria.transferNotes === undefined ? {} : { transferNotes: criteria.transferNotes }),
        ...(criteria.externalRefID === undefined ? {} : { externalRefID: criteria.externalRefID }),
        transferFrom: transferSide(done.from, done.fromAfterMinor),
        transferTo: transferSide(done.to, done.toAfterMinor),
      };
    } catch (error) {
      if (error instanceof UniqueViolation && error.target === 'externalRefID') {
        throw new ApiError('409.001', { detail: DUPLICATE_FUNDING });
      }
      throw error;
    }
  }
}

function depositView(deposit: StoredDeposit): CreditCardDeposit {
  return {
    referenceDepositID: deposit.referenceDepositID,
    amount: fromMinor(deposit.amountMinor),
    // The card is charged the amount and the fee only on SUCCESS.
    amountCharged: deposit.status === 'SUCCESS' ? fromMinor(deposit.amountMinor + deposit.feeMinor) : 0,
    feePercent: FEE_PERCENT,
    createdDate: new Date(deposit.createdAt).toISOString(),
    status: deposit.status,
    ...(deposit.externalRefID === null ? {} : { externalRefID: deposit.externalRefID }),
    accountNumber: deposit.accountNumber,
  };
}

function transferSide(account: FundedAccount, endingMinor: number): TransferAccount {
  return {
    accountIdentifier: account.accountIdentifier,
    accountNumber: account.accountNumber,
    displayName: account.displayName,
    currencyCode: account.currencyCode,
    startingBalance: fromMinor(account.balanceMinor),
    endingBalance: fromMinor(endingMinor),
    status: account.status,
    contactEmail: account.contactEmail,
  };
}
