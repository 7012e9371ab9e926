/**
 * The handlers of the sandbox controls, one per operationId of the control spec (the same
 * registry as the API's, over the control spec's operations). Each is thin: the rules are the
 * SandboxService's.
 */
import { createThrowAwayPlatform } from '../auth/platforms.js';
import { ApiError } from '../domain/errors.js';
import type { Store } from '../domain/ports.js';
import type { FundingService } from '../domain/funding-service.js';
import { type SandboxService, assertControl } from '../domain/sandbox-service.js';
import type { operations } from '../generated/sandbox.js';
import type { Logger } from 'pino';
import type { Handlers, OperationInput } from './operations.js';

/** What a control's log line says it did: these request and answer fields, never a key. */
const TARGET_FIELDS = [
  'snapshotId',
  'accountIdentifier',
  'referenceDepositID',
  'amount',
  'milliseconds',
  'now',
  'enabled',
  'operationId',
  'faultId',
  'offsetMs',
  'removed',
  'keyId',
] as const;

function targetOf(control: string, input: { path: unknown; body: unknown }, answer: unknown): Record<string, unknown> {
  const target: Record<string, unknown> = {};
  for (const source of [input.path, input.body, answer]) {
    if (typeof source !== 'object' || source === null || Array.isArray(source)) continue;
    for (const field of TARGET_FIELDS) {
      const value = (source as Record<string, unknown>)[field];
      if (value !== undefined && (typeof value !== 'object' || value === null)) target[field] = value;
    }
  }
  // The status a control sets (an account's, a deposit's), apart from the answer's HTTP status.
  const requested = (input.body as { status?: unknown } | undefined)?.status;
  if (typeof requested === 'string') target.toStatus = requested;
  // A new platform is named; its key never is.
  if (control === 'createSandboxPlatform') target.newPlatform = (answer as { platformName?: string } | undefined)?.platformName;
  if (control === 'seedPlatform' || control === 'resetPlatform') target.rows = answer;
  return target;
}

/**
 * Each control is logged once it is performed (or refused), before its answer is written: a
 * client that disconnects meanwhile does not hide it. The line names the platform, the request,
 * the control, its status and what it acted on.
 */
function logged(handlers: Handlers<operations>, logger: Logger): Handlers<operations> {
  const wrapped: Record<string, unknown> = {};
  for (const [control, handler] of Object.entries(handlers) as [string, (input: OperationInput<never>) => Promise<unknown>][]) {
    wrapped[control] = async (input: OperationInput<never>) => {
      const line = { platform: input.principal.platformName, requestId: input.requestId, control };
      try {
        const reply = (await handler(input)) as { status: number; body?: unknown };
        logger.info({ ...line, ...targetOf(control, input, reply.body), status: reply.status }, 'sandbox control');
        return reply;
      } catch (error) {
        logger.info(
          { ...line, ...targetOf(control, input, undefined), status: error instanceof ApiError ? error.httpCode : 500 },
          'sandbox control',
        );
        throw error;
      }
    };
  }
  return wrapped as unknown as Handlers<operations>;
}

export function sandboxHandlers(service: SandboxService, funding: FundingService, store: Store, logger: Logger): Handlers<operations> {
  return logged(controlHandlers(service, funding, store), logger);
}

function controlHandlers(service: SandboxService, funding: FundingService, store: Store): Handlers<operations> {
  return {
    createSandboxPlatform: async ({ principal }) => {
      assertControl(principal, { writes: true });
      const issued = await createThrowAwayPlatform(store);
      return { status: 201, body: { platformName: issued.platformName, platformKey: issued.platformKey, keyId: issued.keyId } };
    },
    deleteSandboxPlatform: async ({ principal }) => {
      await service.deletePlatform(principal);
      return { status: 204 };
    },
    resetPlatform: async ({ principal }) => ({ status: 200, body: await service.reset(principal) }),
    createSnapshot: async ({ principal }) => ({ status: 201, body: await service.snapshot(principal) }),
    restoreSnapshot: async ({ path, principal }) => ({ status: 200, body: await service.restore(principal, path.snapshotId) }),
    deleteSnapshot: async ({ path, principal }) => ({ status: 200, body: await service.deleteSnapshot(principal, path.snapshotId) }),
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
    getRateLimit: async ({ principal }) => ({ status: 200, body: await service.rateLimit(principal) }),
    setRateLimit: async ({ body, principal }) => ({ status: 200, body: await service.setRateLimit(principal, body.enabled) }),
    getClock: async ({ principal }) => ({ status: 200, body: await service.clock(principal) }),
    setClock: async ({ body, principal }) => ({ status: 200, body: await service.setClock(principal, body.now) }),
    resetClock: async ({ principal }) => ({ status: 200, body: await service.resetClock(principal) }),
    advanceClock: async ({ body, principal }) => ({ status: 200, body: await service.advanceClock(principal, body.milliseconds) }),
  };
}
