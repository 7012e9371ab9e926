/** Customers and their accounts, in SQL written once for both databases. */
import type { Account, Customer, UpdateAccountCriteria } from '../domain/model.js';
import type {
  AccountFilters,
  CustomerFilters,
  CustomerScope,
  CustomerStore,
  ListWindow,
  NewAccount,
  NewCustomer,
  Positioned,
} from '../domain/ports.js';
import {
  ACCOUNT_COLUMNS,
  CUSTOMER_COLUMNS,
  RETURNED_ACCOUNT,
  accountWindowQuery,
  accountsOfCustomersQuery,
  customerWindowQuery,
} from './list-sql.js';
import {
  type AccountRow,
  type CustomerRow,
  type SummaryRow,
  customersWithAccounts,
  inCreationOrder,
  positionedAccount,
  positionedCustomers,
  toAccount,
  toCustomer,
} from './rows.js';
import type { SqlDriver } from './sql/driver.js';

const FIND_CUSTOMER = `SELECT ${CUSTOMER_COLUMNS} FROM customers c WHERE c.platform_id = ? AND c.customer_identifier = ?`;
const FIND_ACCOUNT = `SELECT ${ACCOUNT_COLUMNS} FROM accounts a JOIN customers c ON c.id = a.customer_id
  WHERE a.platform_id = ? AND a.account_identifier = ?`;

export class CustomerSql implements CustomerStore {
  readonly #db: SqlDriver;

  constructor(db: SqlDriver) {
    this.#db = db;
  }

  async insertCustomer(platformId: number, customer: NewCustomer, now: Date): Promise<Customer> {
    const { rows } = await this.#db.write<CustomerRow>(
      `INSERT INTO customers (platform_id, customer_identifier, display_name, status, created_at)
       VALUES (?, ?, ?, ?, ?) RETURNING id, customer_identifier, display_name, status, created_at`,
      [platformId, customer.customerIdentifier, customer.displayName, customer.status, now.getTime()],
    );
    return toCustomer(rows[0]!, []);
  }

  async findCustomer(platformId: number, customerIdentifier: string): Promise<Customer | undefined> {
    const row = (await this.#db.all<CustomerRow>(FIND_CUSTOMER, [platformId, customerIdentifier]))[0];
    if (!row) return undefined;
    const accounts = accountsOfCustomersQuery([row.id]);
    return customersWithAccounts([row], await this.#db.all<SummaryRow>(accounts.text, accounts.values))[0];
  }

  async customerExists(platformId: number, customerIdentifier: string): Promise<boolean> {
    return (await this.#db.all(FIND_CUSTOMER, [platformId, customerIdentifier])).length > 0;
  }

  async listCustomers(
    platformId: number,
    scope: CustomerScope,
    filters: CustomerFilters,
    window: ListWindow,
  ): Promise<Positioned<Customer>[]> {
    const query = customerWindowQuery(platformId, scope, filters, window);
    const customers = inCreationOrder(await this.#db.all<CustomerRow>(query.text, query.values), query.descending);
    if (customers.length === 0) return [];
    const accounts = accountsOfCustomersQuery(customers.map((row) => row.id));
    return positionedCustomers(customers, await this.#db.all<SummaryRow>(accounts.text, accounts.values));
  }

  async insertAccount(platformId: number, customerIdentifier: string, account: NewAccount, now: Date): Promise<Account | undefined> {
    // One statement: the customer lookup and the insert cannot be separated by a concurrent write.
    const { rows } = await this.#db.write<AccountRow>(
      `INSERT INTO accounts (platform_id, customer_id, account_identifier, account_number, display_name,
         currency_code, contact_email, funding_notification, status, created_at)
       SELECT c.platform_id, c.id, ?, ?, ?, ?, ?, ?, ?, ? FROM customers c
       WHERE c.platform_id = ? AND c.customer_identifier = ?
       RETURNING ${RETURNED_ACCOUNT}`,
      [
        account.accountIdentifier,
        account.accountNumber,
        account.displayName,
        account.currencyCode,
        account.contactEmail,
        JSON.stringify(account.fundingNotification),
        account.status,
        now.getTime(),
        platformId,
        customerIdentifier,
      ],
    );
    return rows[0] && toAccount(rows[0]);
  }

  async findAccount(platformId: number, accountIdentifier: string): Promise<{ account: Account; customerIdentifier: string } | undefined> {
    const row = (await this.#db.all<AccountRow>(FIND_ACCOUNT, [platformId, accountIdentifier]))[0];
    return row && { account: toAccount(row), customerIdentifier: row.customer_identifier };
  }

  async listAccounts(
    platformId: number,
    scope: CustomerScope & { customerIdentifier?: string },
    filters: AccountFilters,
    window: ListWindow,
  ): Promise<Positioned<Account>[]> {
    const query = accountWindowQuery(platformId, scope, filters, window);
    return inCreationOrder(await this.#db.all<AccountRow>(query.text, query.values), query.descending).map(positionedAccount);
  }

  async updateAccount(platformId: number, accountIdentifier: string, patch: UpdateAccountCriteria): Promise<Account | undefined> {
    const { rows } = await this.#db.write<AccountRow>(
      `UPDATE accounts SET display_name = COALESCE(?, display_name), contact_email = COALESCE(?, contact_email),
         funding_notification = COALESCE(?, funding_notification)
       WHERE platform_id = ? AND account_identifier = ?
       RETURNING ${RETURNED_ACCOUNT}`,
      [
        patch.displayName ?? null,
        patch.contactEmail ?? null,
        patch.fundingNotification === undefined ? null : JSON.stringify(patch.fundingNotification),
        platformId,
        accountIdentifier,
      ],
    );
    return rows[0] && toAccount(rows[0]);
  }
}
