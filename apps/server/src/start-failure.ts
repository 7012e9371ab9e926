import { ConfigError } from './config.js';
import { MigrationRefused } from './store/migrations.js';

/**
 * A start that fails says why in words a person can act on, on stderr, and exits 1: a
 * configuration error names its variable; anything else gives its message, not a stack trace.
 */
export function exitOnStartFailure(error: unknown): never {
  // Refusals say what to do in their own words; anything else gets its message, not a stack.
  const refusal = error instanceof ConfigError || error instanceof MigrationRefused;
  const message = refusal ? error.message : `cannot start: ${(error as Error)?.message ?? String(error)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
