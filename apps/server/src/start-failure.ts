import { ConfigError } from './config.js';

/**
 * A start that fails says why in words a person can act on, on stderr, and exits 1: a
 * configuration error names its variable; anything else gives its message, not a stack trace.
 */
export function exitOnStartFailure(error: unknown): never {
  const message = error instanceof ConfigError ? error.message : `cannot start: ${(error as Error)?.message ?? String(error)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
