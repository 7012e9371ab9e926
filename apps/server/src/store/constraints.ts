/**
 * The unique constraints the migrations declare, by name, and what each means to the domain. A
 * driver tells which constraint an error broke (PostgreSQL names it; SQLite names its columns,
 * which identify it as well); `uniqueViolation` is the one place that turns it into the domain's
 * UniqueViolation, `foreignKeyViolation` the one that turns a broken foreign key into the neutral
 * ForeignKeyViolation (what it means is the error handling's to decide).
 */
import { ForeignKeyViolation, UniqueViolation } from '../domain/ports.js';

const UNIQUE_CONSTRAINTS = {
  platforms_name_unique: { table: 'platforms', columns: ['name'], target: 'platform' },
  credentials_key_id_unique: { table: 'credentials', columns: ['key_id'], target: 'keyId' },
  credentials_key_hash_unique: { table: 'credentials', columns: ['key_hash'], target: 'keyHash' },
  customers_identifier_unique: { table: 'customers', columns: ['platform_id', 'customer_identifier'], target: 'customer' },
  accounts_identifier_unique: { table: 'accounts', columns: ['platform_id', 'account_identifier'], target: 'account' },
  accounts_number_unique: { table: 'accounts', columns: ['account_number'], target: 'accountNumber' },
  accounts_display_name_unique: { table: 'accounts', columns: ['platform_id', 'display_name'], target: 'accountDisplayName' },
  credit_cards_platform_token_unique: { table: 'credit_cards', columns: ['platform_id', 'token'], target: 'cardToken' },
  deposits_reference_unique: { table: 'deposits', columns: ['platform_id', 'reference_deposit_id'], target: 'depositReference' },
  deposits_external_ref_unique: { table: 'deposits', columns: ['account_id', 'external_ref_id'], target: 'externalRefID' },
  transfers_external_ref_unique: { table: 'transfers', columns: ['from_account_id', 'external_ref_id'], target: 'externalRefID' },
  low_balance_alerts_id_unique: { table: 'low_balance_alerts', columns: ['balance_alert_id'], target: 'alertId' },
  low_balance_alerts_threshold_unique: {
    table: 'low_balance_alerts',
    columns: ['account_id', 'threshold_minor'],
    target: 'alertThreshold',
  },
} as const satisfies Record<string, { table: string; columns: readonly string[]; target: UniqueViolation['target'] }>;

export type UniqueConstraint = keyof typeof UNIQUE_CONSTRAINTS;

/** SQLite's way of naming a constraint: `table.column, table.column` (as its error messages do). */
const BY_COLUMNS = new Map<string, UniqueConstraint>(
  Object.entries(UNIQUE_CONSTRAINTS).map(([name, c]) => [
    c.columns.map((column) => `${c.table}.${column}`).join(', '),
    name as UniqueConstraint,
  ]),
);

export function constraintOfColumns(columns: string): UniqueConstraint | undefined {
  return BY_COLUMNS.get(columns);
}

/** The domain error for a broken constraint, or undefined for a constraint no migration declares. */
export function uniqueViolation(constraint: string | undefined): UniqueViolation | undefined {
  const declared = constraint === undefined ? undefined : UNIQUE_CONSTRAINTS[constraint as UniqueConstraint];
  return declared && new UniqueViolation(declared.target);
}

/**
 * The domain error for a broken foreign key, whichever it is, its driver error kept as the cause.
 * It is not PlatformGone: in sandbox mode a platform deleted after the request was authenticated
 * breaks its rows' platform_id references, but a broken reference is otherwise a bug (a child
 * looked up wrongly, a table missing from a deletion), and only the error handling can tell the
 * two apart, by looking the request's credential up again (http/error-handler.ts).
 */
export function foreignKeyViolation(constraint: string | undefined, cause: unknown): ForeignKeyViolation {
  return new ForeignKeyViolation(constraint, cause);
}
