/**
 * The handlers of the sandbox controls, one per operationId of the control spec (the same
 * registry as the API's, over the control spec's operations). Each is thin: the rules are the
 * SandboxService's.
 */
import { createThrowAwayPlatform } from '../auth/platforms.js';
import { ApiError } from '../domain/errors.js';
import type { Store } from '../domain/ports.js';
import type { FundingService } from '../domain/funding-service.js';
import type { SandboxService } from '../domain/sandbox-service.js';
import type { operations } from '../generated/sandbox.js';
import type { Handlers } from './operations.js';

export function sandboxHandlers(service: SandboxService, funding: FundingService, store: Store): Handlers<operations> {
  return {
    createSandboxPlatform: async ({ principal }) => {
      if (principal.allowedCustomers) throw new ApiError('403.007');
      if (principal.readOnly) throw new ApiError('403.017');
      const issued = await createThrowAwayPlatform(store);
      return { status: 201, body: { platformName: issued.platformName, platformKey: issued.platformKey, keyId: issued.keyId } };
    },
    resetPlatform: async ({ principal }) => ({ status: 200, body: await service.reset(principal) }),
    createSnapshot: async ({ principal }) => ({ status: 201, body: await service.snapshot(principal) }),
    restoreSnapshot: async ({ path, principal }) => ({ status: 200, body: await service.restore(principal, path.snapshotId) }),
    seedPlatform: async ({ body, principal }) => ({ status: 200, body: await service.seed(principal, body) }),
    setAccountStatus: async ({ path, body, principal }) => ({
      status: 200,
      body: await service.setAccountStatus(principal, path.accountIdentifier, body.status),
    }),
    adjustBalance: async ({ path, body, principal }) => ({
      status: 200,
      body: await service.adjustBalance(principal, path.accountIdentifier, body),
    }),
    settleDeposit: async ({ path, body, principal }) => {
      await service.settleDeposit(principal, path.referenceDepositID, body.status);
      return { status: 200, body: await funding.getDeposit(principal, path.referenceDepositID) };
    },
    listFaultRules: async ({ principal }) => ({ status: 200, body: await service.faultRules(principal) }),
    createFaultRule: async ({ body, principal }) => ({ status: 201, body: await service.addFaultRule(principal, body) }),
    deleteFaultRules: async ({ principal }) => ({ status: 200, body: { removed: await service.deleteFaultRules(principal) } }),
    setRateLimit: async ({ body, principal }) => ({ status: 200, body: await service.setRateLimit(principal, body.enabled) }),
    getClock: async ({ principal }) => ({ status: 200, body: await service.clock(principal) }),
    setClock: async ({ body, principal }) => ({ status: 200, body: await service.setClock(principal, body.now) }),
    resetClock: async ({ principal }) => ({ status: 200, body: await service.resetClock(principal) }),
    advanceClock: async ({ body, principal }) => ({ status: 200, body: await service.advanceClock(principal, body.milliseconds) }),
  };
}
