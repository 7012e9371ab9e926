/**
 * Who may do what, for every service: a read-only credential writes nothing (403.017); a
 * credential limited to some customers touches only those (403.007); an account under a
 * customer is checked in the order the contract documents (403, 404.002, 404.016, 404.020).
 */
import { ApiError } from './errors.js';
import type { Principal } from './model.js';
import type { CustomerStore } from './ports.js';

export function scopeOf(principal: Principal): { customerIdentifiers: readonly string[] | null } {
  return { customerIdentifiers: principal.allowedCustomers && [...principal.allowedCustomers] };
}

export function assertMayWrite(principal: Principal): void {
  if (principal.readOnly) throw new ApiError('403.017');
}

export function mayTouch(principal: Principal, customerIdentifier: string): boolean {
  return !principal.allowedCustomers || principal.allowedCustomers.has(customerIdentifier);
}

export function assertMayTouch(principal: Principal, customerIdentifier: string): void {
  if (!mayTouch(principal, customerIdentifier)) throw new ApiError('403.007');
}

/** The customer may be touched and exists (403.007, 404.002). */
export async function assertCustomer(store: CustomerStore, principal: Principal, customerIdentifier: string): Promise<void> {
  assertMayTouch(principal, customerIdentifier);
  if (!(await store.customerExists(principal.platformId, customerIdentifier))) throw new ApiError('404.002');
}

/** The account exists, visible to the credential, under that customer (403.007, 404.002, 404.016, 404.020). */
export async function assertAccountOfCustomer(
  store: CustomerStore,
  principal: Principal,
  customerIdentifier: string,
  accountIdentifier: string,
): Promise<void> {
  await assertCustomer(store, principal, customerIdentifier);
  const found = await store.findAccount(principal.platformId, accountIdentifier);
  if (!found || !mayTouch(principal, found.customerIdentifier)) throw new ApiError('404.016');
  if (found.customerIdentifier !== customerIdentifier) throw new ApiError('404.020');
}
