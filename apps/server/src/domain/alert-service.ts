/**
 * Low-balance alerts on an account: who is told when its balance falls below a threshold. One
 * alert per threshold on an account (a second would tell the same people twice). Firing is not
 * observable in this sandbox; the alerts are kept, listed, changed and deleted.
 */
import { randomUUID } from 'node:crypto';
import { assertAccountOfCustomer, assertMayWrite } from './access.js';
import type { Clock } from './clock.js';
import { ApiError } from './errors.js';
import type {
  ListBalanceAlertsQuery,
  LowBalanceAlert,
  LowBalanceAlertCriteria,
  LowBalanceAlertDeleted,
  LowBalanceAlertPage,
  Principal,
  UpdateLowBalanceAlertCriteria,
} from './model.js';
import { minorUnits } from './money.js';
import { type AlertStore, type CustomerStore, type StoredAlert, UniqueViolation } from './ports.js';

const DEFAULT_ELEMENTS_PER_BLOCK = 10;
const DUPLICATE_THRESHOLD = 'Duplicate Found: this account already has an alert at this threshold.';

/** Where an alert lives: its customer and account, as the path names them. */
interface AlertPath {
  customerIdentifier: string;
  accountIdentifier: string;
}

const located = (path: AlertPath, alert: StoredAlert): LowBalanceAlert => ({
  ...alert,
  customerIdentifier: path.customerIdentifier,
  accountIdentifier: path.accountIdentifier,
});

function duplicateThreshold(error: unknown): unknown {
  return error instanceof UniqueViolation && error.target === 'alertThreshold'
    ? new ApiError('409.001', { detail: DUPLICATE_THRESHOLD })
    : error;
}

export class AlertService {
  constructor(
    private readonly store: AlertStore & CustomerStore,
    private readonly clock: Clock,
  ) {}

  #account(principal: Principal, path: AlertPath): Promise<void> {
    return assertAccountOfCustomer(this.store, principal, path.customerIdentifier, path.accountIdentifier);
  }

  async page(principal: Principal, path: AlertPath, query: ListBalanceAlertsQuery): Promise<LowBalanceAlertPage> {
    await this.#account(principal, path);
    const number = query.page ?? 0;
    const size = query.elementsPerBlock ?? DEFAULT_ELEMENTS_PER_BLOCK;
    const { total, alerts } = await this.store.alertPage(principal.platformId, path.accountIdentifier, number * size, size);
    return {
      page: { size, totalElements: total, totalPages: Math.ceil(total / size), number },
      lowBalanceAlerts: alerts.map((alert) => located(path, alert)),
    };
  }

  /** `thresholdText`: the threshold as the client wrote it. */
  async set(principal: Principal, path: AlertPath, criteria: LowBalanceAlertCriteria, thresholdText: string): Promise<LowBalanceAlert> {
    assertMayWrite(principal);
    const thresholdMinor = minorUnits('balanceAlertThreshold', thresholdText);
    await this.#account(principal, path);
    try {
      const alert = await this.store.insertAlert(
        principal.platformId,
        path.accountIdentifier,
        {
          balanceAlertID: randomUUID(),
          balanceAlertDisplayName: criteria.balanceAlertDisplayName,
          thresholdMinor,
          balanceAlertNotification: criteria.balanceAlertNotification ?? [],
        },
        this.clock.now(principal.platformId),
      );
      if (!alert) throw new ApiError('404.016');
      return located(path, alert);
    } catch (error) {
      throw duplicateThreshold(error);
    }
  }

  async get(principal: Principal, path: AlertPath, balanceAlertID: string): Promise<LowBalanceAlert> {
    await this.#account(principal, path);
    const alert = await this.store.findAlert(principal.platformId, path.accountIdentifier, balanceAlertID);
    if (!alert) throw new ApiError('404.001');
    return located(path, alert);
  }

  async update(
    principal: Principal,
    path: AlertPath,
    balanceAlertID: string,
    patch: UpdateLowBalanceAlertCriteria,
    thresholdText: string | undefined,
  ): Promise<LowBalanceAlert> {
    assertMayWrite(principal);
    const thresholdMinor = thresholdText === undefined ? undefined : minorUnits('balanceAlertThreshold', thresholdText);
    await this.#account(principal, path);
    try {
      const alert = await this.store.updateAlert(principal.platformId, path.accountIdentifier, balanceAlertID, {
        balanceAlertDisplayName: patch.balanceAlertDisplayName,
        thresholdMinor,
        balanceAlertNotification: patch.balanceAlertNotification,
      });
      if (!alert) throw new ApiError('404.001');
      return located(path, alert);
    } catch (error) {
      throw duplicateThreshold(error);
    }
  }

  async delete(principal: Principal, path: AlertPath, balanceAlertID: string): Promise<LowBalanceAlertDeleted> {
    assertMayWrite(principal);
    await this.#account(principal, path);
    if (!(await this.store.deleteAlert(principal.platformId, path.accountIdentifier, balanceAlertID))) throw new ApiError('404.001');
    return { balanceAlertID, status: 'DELETED' };
  }
}
