/**
 * The Store's composition from its SQL modules (sql-store.ts): every module's methods, each
 * once, and a construction that throws rather than lose or shadow a method.
 */
import { expect, test } from 'vitest';
import { AlertSql } from '../../src/store/alert-sql.js';
import { CustomerSql } from '../../src/store/customer-sql.js';
import { FundingSql } from '../../src/store/funding-sql.js';
import { PlatformSql } from '../../src/store/platform-sql.js';
import { SandboxSql } from '../../src/store/sandbox-sql.js';
import { composePorts, methodsOf } from '../../src/store/sql-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const MODULES = [PlatformSql, CustomerSql, FundingSql, AlertSql, SandboxSql];

/** A class's public methods, as its prototype declares them (#private ones are not properties). */
const declared = (module: { prototype: object }) => Object.getOwnPropertyNames(module.prototype).filter((name) => name !== 'constructor');

test("the composed store has exactly the modules' public methods, each offered by one module, and its own three", async () => {
  const names = MODULES.flatMap(declared);
  expect(names.length).toBeGreaterThan(40);
  expect(new Set(names).size, 'a method offered by two modules').toBe(names.length);
  const store = new SqliteStore(':memory:');
  try {
    expect(Object.keys(store).sort()).toEqual([...names, 'kind', 'ping', 'close'].sort());
    for (const name of names) expect(typeof (store as unknown as Record<string, unknown>)[name], name).toBe('function');
  } finally {
    await store.close();
  }
});

class First {
  shared() {
    return 1;
  }
  first() {
    return this.shared();
  }
}
class Second {
  shared() {
    return 2;
  }
}

test('a method two modules offer throws at composition, naming both', () => {
  expect(() => composePorts(new First(), new Second())).toThrow('shared is offered by both First and Second');
});

test('methods are bound to their module, own function-valued properties included, the nearest override winning', () => {
  class Base {
    inherited() {
      return 'base';
    }
    overridden() {
      return 'base';
    }
  }
  class Derived extends Base {
    readonly #secret = 'derived';
    own = () => this.#secret;
    override overridden() {
      return this.#secret;
    }
  }
  const ports = composePorts<{ inherited(): string; overridden(): string; own(): string }>(new Derived());
  expect(Object.keys(ports).sort()).toEqual(['inherited', 'overridden', 'own']);
  const { overridden, own, inherited } = ports;
  expect([overridden(), own(), inherited()]).toEqual(['derived', 'derived', 'base']);
  expect(composePorts<{ first(): number }>(new First()).first()).toBe(1);
});

test('an accessor or an own non-function member throws at composition', () => {
  class WithGetter {
    get settings() {
      return 1;
    }
  }
  class WithData {
    readonly db = {};
  }
  class WithSetter {
    set limit(_value: number) {}
  }
  expect(() => methodsOf(new WithGetter())).toThrow('WithGetter.settings is not a method');
  expect(() => methodsOf(new WithData())).toThrow('WithData.db is not a method');
  expect(() => methodsOf(new WithSetter())).toThrow('WithSetter.limit is not a method');
  const withOwnGetter = Object.defineProperty(new First(), 'late', { get: () => () => 1, enumerable: true });
  expect(() => methodsOf(withOwnGetter)).toThrow('First.late is not a method');
});
