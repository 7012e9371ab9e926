/** Low-balance alerts of an account, in SQL written once for both databases. */
import type { FundingNotification } from '../domain/model.js';
import type { AlertPatch, AlertStore, NewAlert, StoredAlert } from '../domain/ports.js';
import { iso } from './rows.js';
import type { SqlDriver } from './sql/driver.js';

interface AlertRow {
  balance_alert_id: string;
  display_name: string;
  threshold_minor: number;
  notification: string;
  created_at: number;
}

const COLUMNS = 'balance_alert_id, display_name, threshold_minor, notification, created_at';
const OF_ACCOUNT = 'account_id = (SELECT id FROM accounts WHERE platform_id = ? AND account_identifier = ?)';

const toAlert = (row: AlertRow): StoredAlert => ({
  createdAt: iso(row.created_at),
  balanceAlertID: row.balance_alert_id,
  balanceAlertDisplayName: row.display_name,
  balanceAlertThreshold: row.threshold_minor / 100,
  balanceAlertNotification: JSON.parse(row.notification) as FundingNotification[],
});

export class AlertSql implements AlertStore {
  readonly #db: SqlDriver;

  constructor(db: SqlDriver) {
    this.#db = db;
  }

  async insertAlert(platformId: number, accountIdentifier: string, alert: NewAlert, now: Date): Promise<StoredAlert | undefined> {
    // One statement: the account lookup and the insert cannot be separated.
    const { rows } = await this.#db.write<AlertRow>(
      `INSERT INTO low_balance_alerts (platform_id, account_id, balance_alert_id, display_name, threshold_minor, notification, created_at)
       SELECT a.platform_id, a.id, ?, ?, ?, ?, ? FROM accounts a WHERE a.platform_id = ? AND a.account_identifier = ?
       RETURNING ${COLUMNS}`,
      [
        alert.balanceAlertID,
        alert.balanceAlertDisplayName,
        alert.thresholdMinor,
        JSON.stringify(alert.balanceAlertNotification),
        now.getTime(),
        platformId,
        accountIdentifier,
      ],
    );
    return rows[0] && toAlert(rows[0]);
  }

  async alertPage(
    platformId: number,
    accountIdentifier: string,
    offset: number,
    limit: number,
  ): Promise<{ total: number; alerts: StoredAlert[] }> {
    const [counted] = await this.#db.all<{ n: number }>(`SELECT COUNT(*) AS n FROM low_balance_alerts WHERE ${OF_ACCOUNT}`, [
      platformId,
      accountIdentifier,
    ]);
    const rows = await this.#db.all<AlertRow>(
      `SELECT ${COLUMNS} FROM low_balance_alerts WHERE ${OF_ACCOUNT} ORDER BY created_at, id LIMIT ? OFFSET ?`,
      [platformId, accountIdentifier, limit, offset],
    );
    return { total: Number(counted?.n ?? 0), alerts: rows.map(toAlert) };
  }

  async findAlert(platformId: number, accountIdentifier: string, balanceAlertID: string): Promise<StoredAlert | undefined> {
    const rows = await this.#db.all<AlertRow>(`SELECT ${COLUMNS} FROM low_balance_alerts WHERE balance_alert_id = ? AND ${OF_ACCOUNT}`, [
      balanceAlertID,
      platformId,
      accountIdentifier,
    ]);
    return rows[0] && toAlert(rows[0]);
  }

  async updateAlert(
    platformId: number,
    accountIdentifier: string,
    balanceAlertID: string,
    patch: AlertPatch,
  ): Promise<StoredAlert | undefined> {
    const { rows } = await this.#db.write<AlertRow>(
      `UPDATE low_balance_alerts SET display_name = COALESCE(?, display_name), threshold_minor = COALESCE(?, threshold_minor),
         notification = COALESCE(?, notification)
       WHERE balance_alert_id = ? AND ${OF_ACCOUNT} RETURNING ${COLUMNS}`,
      [
        patch.balanceAlertDisplayName ?? null,
        patch.thresholdMinor ?? null,
        patch.balanceAlertNotification === undefined ? null : JSON.stringify(patch.balanceAlertNotification),
        balanceAlertID,
        platformId,
        accountIdentifier,
      ],
    );
    return rows[0] && toAlert(rows[0]);
  }

  async deleteAlert(platformId: number, accountIdentifier: string, balanceAlertID: string): Promise<boolean> {
    const { changes } = await this.#db.write(`DELETE FROM low_balance_alerts WHERE balance_alert_id = ? AND ${OF_ACCOUNT}`, [
      balanceAlertID,
      platformId,
      accountIdentifier,
    ]);
    return changes > 0;
  }
}
