/** The operation registry refuses, at start, handlers that do not match the spec's operations. */
import { expect, test } from 'vitest';
import { AlertService } from '../src/domain/alert-service.js';
import { systemClock } from '../src/domain/clock.js';
import { cursorCodecOf } from '../src/domain/cursors.js';
import { FundingService } from '../src/domain/funding-service.js';
import { RaasService } from '../src/domain/raas-service.js';
import type { Store } from '../src/domain/ports.js';
import { operationHandlers } from '../src/http/handlers.js';
import { type Handlers, mountOperations } from '../src/http/operations.js';
import { specOperations } from '../src/http/spec-operations.js';

const store = {} as Store;
const cursors = cursorCodecOf(store);
const handlers = operationHandlers({
  raas: new RaasService(store, systemClock, cursors),
  funding: new FundingService(store, systemClock, cursors, { depositPendingMs: 0 }),
  alerts: new AlertService(store, systemClock),
});

test('every operation of the spec is mounted, at its path and method, and nothing else', () => {
  const router = mountOperations(handlers);
  const mounted = router.stack.map((layer) => {
    const route = layer.route as { path: string; methods: Record<string, boolean> } | undefined;
    return `${Object.keys(route?.methods ?? {})[0]?.toUpperCase()} ${route?.path}`;
  });
  const declared = specOperations().map((operation) => `${operation.method} ${operation.path.replace(/\{([^}]+)\}/g, ':$1')}`);
  expect(mounted).toEqual(declared);
  expect(Object.keys(handlers).sort()).toEqual(
    specOperations()
      .map((operation) => operation.operationId)
      .sort(),
  );
});

test('a missing or an extra handler stops the start, naming it', () => {
  const { getAccount: _missing, ...withoutOne } = handlers;
  expect(() => mountOperations(withoutOne as unknown as Handlers)).toThrow(/missing getAccount; extra none/);
  const withExtra = { ...handlers, deleteCustomer: handlers.getCustomer };
  expect(() => mountOperations(withExtra as unknown as Handlers)).toThrow(/missing none; extra deleteCustomer/);
});
