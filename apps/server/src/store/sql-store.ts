/**
 * The Store over one database, composed of the SQL of each concern (platform-sql.ts,
 * customer-sql.ts, funding-sql.ts, alert-sql.ts, sandbox-sql.ts), each written once over the
 * driver seam (sql/driver.ts). Nothing here knows the dialect, nor names a store method: each
 * module `implements` its ports (a method missing there is a type error), and `composeStore`
 * must return a whole Store (a port left out is a type error too). What types cannot see is
 * checked at construction (composePorts): a method two modules offer, and a member that is no
 * method, throw.
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
 * The methods a module offers: its own function-valued properties, then its classes' methods
 * (the nearest class's, when a subclass overrides one). Anything else a module shows is refused
 * at construction, as composed it would be lost or wrong: an accessor (a spread reads it once,
 * as a value), an own non-function property (its state is kept in #private fields, which are
 * not properties).
 */
export function methodsOf(module: object): Map<string, (...args: never[]) => unknown> {
  const methods = new Map<string, (...args: never[]) => unknown>();
  const owners: object[] = [module];
  for (let proto = Object.getPrototypeOf(module); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    owners.push(proto);
  }
  for (const owner of owners) {
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(owner))) {
      if (owner !== module && name === 'constructor') continue;
      if (descriptor.get || descriptor.set || typeof descriptor.value !== 'function') {
        throw new Error(`${module.constructor.name}.${name} is not a method: a store module offers methods only`);
      }
      if (!methods.has(name)) methods.set(name, descriptor.value.bind(module));
    }
  }
  return methods;
}

/**
 * The modules' methods as one object of own properties, each bound to its module (a spread
 * copies only own properties, and a class's methods live on its prototype). A name two modules
 * offer throws: one would silently shadow the other.
 */
export function composePorts<Ports extends object>(...modules: object[]): Ports {
  const composed: Record<string, unknown> = {};
  const offeredBy = new Map<string, string>();
  for (const module of modules) {
    for (const [name, method] of methodsOf(module)) {
      const other = offeredBy.get(name);
      if (other !== undefined) throw new Error(`${name} is offered by both ${other} and ${module.constructor.name}`);
      offeredBy.set(name, module.constructor.name);
      composed[name] = method;
    }
  }
  return composed as Ports;
}

function composeStore(driver: SqlDriver): Store {
  const ports = composePorts<PlatformStore & SettingStore & CustomerStore & FundingStore & LedgerStore & AlertStore & SandboxStore>(
    new PlatformSql(driver) satisfies PlatformStore & SettingStore,
    new CustomerSql(driver) satisfies CustomerStore,
    new FundingSql(driver) satisfies FundingStore & LedgerStore,
    new AlertSql(driver) satisfies AlertStore,
    new SandboxSql(driver) satisfies SandboxStore,
  );
  for (const name of ['kind', 'ping', 'close']) {
    if (name in ports) throw new Error(`${name} is the Store's own: no module may offer it`);
  }
  return { kind: driver.dialect, ping: () => driver.ping(), close: () => driver.close(), ...ports };
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
