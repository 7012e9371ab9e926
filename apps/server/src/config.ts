/** The environment, validated once at start; a bad value stops the process with a clear message. */
import { isIP } from 'node:net';
import { z } from 'zod';
import { MIN_KEY_BITS, MIN_KEY_LENGTH, PLATFORM_NAME_PATTERN, WEAK_KEY_ADVICE, keyStrengthBits } from './auth/credentials.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * `sandbox` (a local twin) creates a development platform on an empty database and has the
 * sandbox controls; `production` never does, so no development key is ever written where
 * operators log, and no control exists. Unset, the mode follows the database: sandbox on the
 * embedded one (SQLite, what `pnpm start` opens), production on PostgreSQL, so that a deployment
 * that forgets the variable never hands out reset, seed and money from nothing.
 */
export const MODES = ['sandbox', 'production'] as const;
export type Mode = (typeof MODES)[number];

/** The embedded database's default file, relative to the working directory; its folder is created when missing. */
export const DEFAULT_DATABASE_URL = 'file:./data/raas.db';

/**
 * A postgres:// URL, a file: URL, `:memory:`, or something that reads as a file path: absolute,
 * explicitly relative, or with a database file's extension. Anything else (`not a url`) is far
 * more likely a mistake than a file the operator meant to create.
 */
function isDatabaseUrl(url: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return /^(file|postgres|postgresql):\/\//i.test(url);
  if (url === ':memory:' || url.startsWith('file:')) return true;
  return !/\s/.test(url) && (/^(\/|\.{1,2}\/)/.test(url) || /\.(db|sqlite3?)$/i.test(url));
}

/** A whole number written in decimal digits: `z.coerce` would read ' ' as 0 and '0x10' as 16. */
const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'a whole number in decimal digits')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** Timers take at most 2^31-1 ms; a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

const variables = z.object({
  PORT: integer(0, 65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  RAAS_MODE: z.enum(MODES).optional(),
  DATABASE_URL: z.string().min(1).default(DEFAULT_DATABASE_URL).refine(isDatabaseUrl, {
    message: 'use a postgres:// URL (PostgreSQL), or a file: URL or a file path such as ./data/raas.db (SQLite)',
  }),
  METRICS_PORT: integer(0, 65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  PG_POOL_MAX: integer(1, 1000).default(10),
  PG_CONNECT_TIMEOUT_MS: integer(100, 60_000).default(2_000),
  PG_QUERY_TIMEOUT_MS: integer(100, 600_000).default(10_000),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  SHUTDOWN_TIMEOUT_MS: integer(0, MAX_TIMER_MS).default(10_000),
  // An API request is small (64 KiB at most): a client that takes longer than this to send it
  // (or its headers) holds a connection for nothing.
  REQUEST_TIMEOUT_MS: integer(1000, 600_000).default(30_000),
  HEADERS_TIMEOUT_MS: integer(1000, 600_000).default(10_000),
  MAX_CONNECTIONS: integer(1, 1_000_000).default(1000),
  // Off by default: unknown body properties are ignored, as the real platform does.
  STRICT_BODIES: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
  AUTH_CACHE_TTL_MS: integer(0, 60_000).default(1000),
  DEPOSIT_PENDING_MS: integer(0, MAX_TIMER_MS).default(5000),
  AUTH_FAILURE_LIMIT: integer(1, 1_000_000).default(20),
  AUTH_FAILURE_WINDOW_MS: integer(1000, MAX_TIMER_MS).default(60_000),
  // `true` would believe any X-Forwarded-For a client sends (and let it dodge the failed-
  // authentication throttle): name the proxies by hop count, address, subnet or proxy-addr
  // keyword instead.
  TRUST_PROXY: z
    .string()
    .default('false')
    .refine((value) => value !== 'true', { message: 'true trusts any client; give the number of proxies in front' })
    .refine((value) => value === 'false' || /^\d+$/.test(value) || value.split(',').every(isTrustedProxy), {
      message: 'false, a hop count, or comma-separated addresses, subnets or loopback/linklocal/uniquelocal',
    })
    .transform((value): number | string | false => (value === 'false' ? false : /^\d+$/.test(value) ? Number(value) : value)),
  RAAS_PLATFORM_NAME: z.string().regex(PLATFORM_NAME_PATTERN, 'letters, digits, ".", "_" and "-", 3-64 characters').optional(),
  RAAS_PLATFORM_KEY: z
    .string()
    .min(MIN_KEY_LENGTH, `at least ${MIN_KEY_LENGTH} characters: ${WEAK_KEY_ADVICE}`)
    .refine((key) => keyStrengthBits(key) >= MIN_KEY_BITS, {
      message: `guessable (repeated, sequential or too few kinds of characters): ${WEAK_KEY_ADVICE}`,
    })
    .optional(),
});

const environment = variables
  .refine((env) => env.HEADERS_TIMEOUT_MS <= env.REQUEST_TIMEOUT_MS, {
    message: 'must not exceed REQUEST_TIMEOUT_MS (the headers are part of the request)',
    path: ['HEADERS_TIMEOUT_MS'],
  })
  .refine((env) => (env.RAAS_PLATFORM_NAME === undefined) === (env.RAAS_PLATFORM_KEY === undefined), {
    message: 'set both RAAS_PLATFORM_NAME and RAAS_PLATFORM_KEY, or neither',
    path: ['RAAS_PLATFORM_KEY'],
  });

/** One entry of `trust proxy`: a proxy-addr keyword, an address, or a subnet. */
function isTrustedProxy(entry: string): boolean {
  const [address = '', prefix] = entry.trim().split('/');
  if (['loopback', 'linklocal', 'uniquelocal'].includes(address) && prefix === undefined) return true;
  return isIP(address) !== 0 && (prefix === undefined || /^\d{1,3}$/.test(prefix) || isIP(prefix) !== 0);
}

export interface Config {
  mode: Mode;
  port: number;
  host: string;
  databaseUrl: string;
  /** The Prometheus listener (off when no port is set), apart from the API's. */
  metrics: { port: number; host: string } | undefined;
  postgres: { poolMax: number; connectTimeoutMs: number; queryTimeoutMs: number };
  logLevel: (typeof LOG_LEVELS)[number];
  shutdownTimeoutMs: number;
  /** Reject body properties the spec does not name (400) instead of ignoring them. */
  strictBodies: boolean;
  /** Node's http server limits: whole request, headers, and open connections. */
  connections: { requestTimeoutMs: number; headersTimeoutMs: number; max: number };
  authFailures: { limit: number; windowMs: number };
  credentialCacheMs: number;
  /** How long a PENDING sandbox deposit stays pending before it is decided. */
  depositPendingMs: number;
  trustProxy: number | string | false;
  platform: { name: string; key: string } | undefined;
}

export class ConfigError extends Error {}

/** A start-up failure a person can act on: the variable to look at and what is wrong, on one line. */
export function configError(variable: string, cause: string): ConfigError {
  return new ConfigError(`invalid configuration: ${variable}: ${cause}`);
}

/** The mode when RAAS_MODE is unset: production on PostgreSQL, sandbox on SQLite. */
export function defaultMode(databaseUrl: string): Mode {
  return /^postgres(ql)?:\/\//i.test(databaseUrl) ? 'production' : 'sandbox';
}

/** The variables the server reads: the schema's keys (tests compare them with the README's table). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(variables.shape);

/** Each variable's default as the environment would spell it (undefined: none), for the README check. */
export function configDefaults(): Record<string, string | undefined> {
  const parsed = variables.parse({}) as Record<string, unknown>;
  // RAAS_MODE's default follows DATABASE_URL's: the embedded database's, sandbox.
  parsed.RAAS_MODE = defaultMode(DEFAULT_DATABASE_URL);
  return Object.fromEntries(CONFIG_VARIABLES.map((name) => [name, parsed[name] === undefined ? undefined : String(parsed[name])]));
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", as in most shells' `VAR= command`.
  const defined = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = environment.safeParse(defined);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(environment)'}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    mode: e.RAAS_MODE ?? defaultMode(e.DATABASE_URL),
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    metrics: e.METRICS_PORT === undefined ? undefined : { port: e.METRICS_PORT, host: e.METRICS_HOST },
    postgres: { poolMax: e.PG_POOL_MAX, connectTimeoutMs: e.PG_CONNECT_TIMEOUT_MS, queryTimeoutMs: e.PG_QUERY_TIMEOUT_MS },
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    strictBodies: e.STRICT_BODIES,
    connections: { requestTimeoutMs: e.REQUEST_TIMEOUT_MS, headersTimeoutMs: e.HEADERS_TIMEOUT_MS, max: e.MAX_CONNECTIONS },
    authFailures: { limit: e.AUTH_FAILURE_LIMIT, windowMs: e.AUTH_FAILURE_WINDOW_MS },
    credentialCacheMs: e.AUTH_CACHE_TTL_MS,
    depositPendingMs: e.DEPOSIT_PENDING_MS,
    trustProxy: e.TRUST_PROXY,
    platform: e.RAAS_PLATFORM_NAME && e.RAAS_PLATFORM_KEY ? { name: e.RAAS_PLATFORM_NAME, key: e.RAAS_PLATFORM_KEY } : undefined,
  };
}
