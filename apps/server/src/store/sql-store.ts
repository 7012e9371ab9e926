/**
 * The Store over one database: the SQL of each concern (platform-sql.ts, customer-sql.ts), each
 * written once, over the driver seam (sql/driver.ts). Nothing here knows the dialect.
 */
import type { Store } from '../domain/ports.js';
import { AlertSql } from './alert-sql.js';
import { CustomerSql } from './customer-sql.js';
import { FundingSql } from './funding-sql.js';
import { PlatformSql } from './platform-sql.js';
import { SandboxSql } from './sandbox-sql.js';
import type { SqlDriver } from './sql/driver.js';

export class SqlStore implements Store {
  readonly kind: Store['kind'];
  readonly ping: Store['ping'];
  readonly close: Store['close'];
  readonly setting: Store['setting'];

  readonly createPlatform: Store['createPlatform'];
  readonly findPlatform: Store['findPlatform'];
  readonly listPlatforms: Store['listPlatforms'];
  readonly addCredential: Store['addCredential'];
  readonly listCredentials: Store['listCredentials'];
  readonly activeCredentials: Store['activeCredentials'];
  readonly revokeCredential: Store['revokeCredential'];

  readonly insertCustomer: Store['insertCustomer'];
  readonly findCustomer: Store['findCustomer'];
  readonly customerExists: Store['customerExists'];
  readonly listCustomers: Store['listCustomers'];
  readonly insertAccount: Store['insertAccount'];
  readonly findAccount: Store['findAccount'];
  readonly listAccounts: Store['listAccounts'];
  readonly updateAccount: Store['updateAccount'];

  readonly registerCard: Store['registerCard'];
  readonly findCard: Store['findCard'];
  readonly listCards: Store['listCards'];
  readonly unregisterCard: Store['unregisterCard'];
  readonly deposit: Store['deposit'];
  readonly findDeposit: Store['findDeposit'];
  readonly settleDueDeposits: Store['settleDueDeposits'];
  readonly transfer: Store['transfer'];
  readonly verifyLedger: Store['verifyLedger'];

  readonly insertAlert: Store['insertAlert'];
  readonly alertPage: Store['alertPage'];
  readonly findAlert: Store['findAlert'];
  readonly updateAlert: Store['updateAlert'];
  readonly deleteAlert: Store['deleteAlert'];
  readonly resetPlatform: Store['resetPlatform'];
  readonly takeSnapshot: Store['takeSnapshot'];
  readonly restoreSnapshot: Store['restoreSnapshot'];
  readonly deleteSnapshot: Store['deleteSnapshot'];
  readonly seedPlatform: Store['seedPlatform'];
  readonly setAccountStatus: Store['setAccountStatus'];
  readonly adjustBalance: Store['adjustBalance'];
  readonly decideDeposit: Store['decideDeposit'];
  readonly sandboxSettings: Store['sandboxSettings'];
  readonly setClockOffset: Store['setClockOffset'];
  readonly advanceClockOffset: Store['advanceClockOffset'];
  readonly setRequestsPerSecond: Store['setRequestsPerSecond'];
  readonly passRateLimit: Store['passRateLimit'];
  readonly addFaultRule: Store['addFaultRule'];
  readonly faultRules: Store['faultRules'];
  readonly deleteFaultRules: Store['deleteFaultRules'];
  readonly countFaultMatch: Store['countFaultMatch'];
  readonly consumeFault: Store['consumeFault'];

  constructor(driver: SqlDriver) {
    this.kind = driver.dialect;
    this.ping = () => driver.ping();
    this.close = () => driver.close();
    const platforms = new PlatformSql(driver);
    this.setting = platforms.setting.bind(platforms);
    this.createPlatform = platforms.createPlatform.bind(platforms);
    this.findPlatform = platforms.findPlatform.bind(platforms);
    this.listPlatforms = platforms.listPlatforms.bind(platforms);
    this.addCredential = platforms.addCredential.bind(platforms);
    this.listCredentials = platforms.listCredentials.bind(platforms);
    this.activeCredentials = platforms.activeCredentials.bind(platforms);
    this.revokeCredential = platforms.revokeCredential.bind(platforms);
    const customers = new CustomerSql(driver);
    this.insertCustomer = customers.insertCustomer.bind(customers);
    this.findCustomer = customers.findCustomer.bind(customers);
    this.customerExists = customers.customerExists.bind(customers);
    this.listCustomers = customers.listCustomers.bind(customers);
    this.insertAccount = customers.insertAccount.bind(customers);
    this.findAccount = customers.findAccount.bind(customers);
    this.listAccounts = customers.listAccounts.bind(customers);
    this.updateAccount = customers.updateAccount.bind(customers);
    const funding = new FundingSql(driver);
    this.registerCard = funding.registerCard.bind(funding);
    this.findCard = funding.findCard.bind(funding);
    this.listCards = funding.listCards.bind(funding);
    this.unregisterCard = funding.unregisterCard.bind(funding);
    this.deposit = funding.deposit.bind(funding);
    this.findDeposit = funding.findDeposit.bind(funding);
    this.settleDueDeposits = funding.settleDueDeposits.bind(funding);
    this.transfer = funding.transfer.bind(funding);
    this.verifyLedger = funding.verifyLedger.bind(funding);
    const alerts = new AlertSql(driver);
    this.insertAlert = alerts.insertAlert.bind(alerts);
    this.alertPage = alerts.alertPage.bind(alerts);
    this.findAlert = alerts.findAlert.bind(alerts);
    this.updateAlert = alerts.updateAlert.bind(alerts);
    this.deleteAlert = alerts.deleteAlert.bind(alerts);
    const sandbox = new SandboxSql(driver);
    this.resetPlatform = sandbox.resetPlatform.bind(sandbox);
    this.takeSnapshot = sandbox.takeSnapshot.bind(sandbox);
    this.restoreSnapshot = sandbox.restoreSnapshot.bind(sandbox);
    this.deleteSnapshot = sandbox.deleteSnapshot.bind(sandbox);
    this.seedPlatform = sandbox.seedPlatform.bind(sandbox);
    this.setAccountStatus = sandbox.setAccountStatus.bind(sandbox);
    this.adjustBalance = sandbox.adjustBalance.bind(sandbox);
    this.decideDeposit = sandbox.decideDeposit.bind(sandbox);
    this.sandboxSettings = sandbox.sandboxSettings.bind(sandbox);
    this.setClockOffset = sandbox.setClockOffset.bind(sandbox);
    this.advanceClockOffset = sandbox.advanceClockOffset.bind(sandbox);
    this.setRequestsPerSecond = sandbox.setRequestsPerSecond.bind(sandbox);
    this.passRateLimit = sandbox.passRateLimit.bind(sandbox);
    this.addFaultRule = sandbox.addFaultRule.bind(sandbox);
    this.faultRules = sandbox.faultRules.bind(sandbox);
    this.deleteFaultRules = sandbox.deleteFaultRules.bind(sandbox);
    this.countFaultMatch = sandbox.countFaultMatch.bind(sandbox);
    this.consumeFault = sandbox.consumeFault.bind(sandbox);
  }
}
