/**
 * The Store over one database, composed of the SQL of each concern (platform-sql.ts,
 * customer-sql.ts, funding-sql.ts, alert-sql.ts, sandbox-sql.ts), each written once over the
 * driver seam (sql/driver.ts). Nothing here knows the dialect, nor names a store method: each
 * module `implements` its ports (a method missing there is a type error), and `composeStore`
 * must return a whole Store (a port left out is a type error too).
 */
import type {
  AlertStore,
  CustomerStore,
  FundingStore,
  LedgerStore,
  PlatformStore,
  SandboxStore,
  SettingStore,
  Store,
} from '../domain/ports.js';
import { AlertSql } from './alert-sql.js';
import { CustomerSql } from './customer-sql.js';
import { FundingSql } from './funding-sql.js';
import { PlatformSql } from './platform-sql.js';
import { SandboxSql } from './sandbox-sql.js';
import type { SqlDriver } from './sql/driver.js';

/**
 * A module's methods as own properties bound to it, typed as the ports it implements: a spread
 * copies only own properties, and a class's methods live on its prototype.
 */
function ports<Ports extends object>(module: Ports): Ports {
  const methods: Record<string, unknown> = {};
  for (let proto = Object.getPrototypeOf(module); proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const [name, { value }] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (name !== 'constructor' && typeof value === 'function' && !(name in methods)) methods[name] = value.bind(module);
    }
  }
  return methods as Ports;
}

function composeStore(driver: SqlDriver): Store {
  return {
    kind: driver.dialect,
    ping: () => driver.ping(),
    close: () => driver.close(),
    ...ports<PlatformStore & SettingStore>(new PlatformSql(driver)),
    ...ports<CustomerStore>(new CustomerSql(driver)),
    ...ports<FundingStore & LedgerStore>(new FundingSql(driver)),
    ...ports<AlertStore>(new AlertSql(driver)),
    ...ports<SandboxStore>(new SandboxSql(driver)),
  };
}

// The class merges with the interface of the same name: its instances are the composed Store,
// so the two drivers' stores (sqlite/, postgres/) extend it and add what only they have.
export interface SqlStore extends Store {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the constructor assigns every Store member, checked by composeStore's return type
export class SqlStore {
  constructor(driver: SqlDriver) {
    Object.assign(this, composeStore(driver));
  }
}
