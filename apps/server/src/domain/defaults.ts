/**
 * What a new customer or account gets when the request leaves it out, decided once, here. The
 * contract's own `default`s are read from the bundled spec (never retyped); the first statuses
 * are the domain's (the spec only says what they read).
 */
import { loadSpec } from '../spec.js';
import type { AccountStatus, CurrencyCode, FundingNotification } from './model.js';

type Json = Record<string, Record<string, unknown>> | undefined;

function specDefault<T>(schema: string, property: string): T {
  const schemas = (loadSpec().components as Record<string, Json> | undefined)?.schemas;
  const properties = (schemas?.[schema] as { properties?: Json } | undefined)?.properties;
  const value = properties?.[property]?.default;
  if (value === undefined) throw new Error(`the spec declares no default for ${schema}.${property}`);
  return value as T;
}

export const defaults = {
  /** CreateAccountCriteria.currencyCode's `default` in the spec. */
  currencyCode: specDefault<CurrencyCode>('CreateAccountCriteria', 'currencyCode'),
  fundingNotification: (): FundingNotification[] => [],
  customerStatus: 'active',
  accountStatus: 'ACTIVE' satisfies AccountStatus as AccountStatus,
} as const;
