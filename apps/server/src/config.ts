/** The environment, validated once at start; a bad value stops the process with a clear message. */
import { isIP } from 'node:net';
import { z } from 'zod';
import { MIN_KEY_BITS, MIN_KEY_LENGTH, PLATFORM_NAME_PATTERN, WEAK_KEY_ADVICE, keyStrengthBits } from './auth/credentials.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const environment = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z
      .string()
      .min(1)
      .default('file:./data/raas.db')
      .refine((url) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^(file|postgres|postgresql):\/\//i.test(url), {
        message: 'use a postgres:// URL (PostgreSQL), or a file path or file: URL (SQLite)',
      }),
    PG_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
    PG_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
    PG_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    // An API request is small (64 KiB at most): a client that takes longer than this to send it
    // (or its headers) holds a connection for nothing.
    REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
    HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(10_000),
    MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(1000),
    AUTH_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
    AUTH_FAILURE_LIMIT: z.coerce.number().int().min(1).default(20),
    AUTH_FAILURE_WINDOW_MS: z.coerce.number().int().min(1000).default(60_000),
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
    RAAS_PLATFORM_NAME: z
      .string()
      .regex(PLATFORM_NAME_PATTERN, 'letters, digits, ".", "_" and "-", 3-64 characters')
      .optional(),
    RAAS_PLATFORM_KEY: z
      .string()
      .min(MIN_KEY_LENGTH, `at least ${MIN_KEY_LENGTH} characters: ${WEAK_KEY_ADVICE}`)
      .refine((key) => keyStrengthBits(key) >= MIN_KEY_BITS, {
        message: `guessable (repeated, sequential or too few kinds of characters): ${WEAK_KEY_ADVICE}`,
      })
      .optional(),
  })
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
  port: number;
  host: string;
  databaseUrl: string;
  postgres: { poolMax: number; connectTimeoutMs: number; queryTimeoutMs: number };
  logLevel: (typeof LOG_LEVELS)[number];
  shutdownTimeoutMs: number;
  /** Node's http server limits: whole request, headers, and open connections. */
  connections: { requestTimeoutMs: number; headersTimeoutMs: number; max: number };
  authFailures: { limit: number; windowMs: number };
  credentialCacheMs: number;
  trustProxy: number | string | false;
  platform: { name: string; key: string } | undefined;
}

export class ConfigError extends Error {}

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
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    postgres: { poolMax: e.PG_POOL_MAX, connectTimeoutMs: e.PG_CONNECT_TIMEOUT_MS, queryTimeoutMs: e.PG_QUERY_TIMEOUT_MS },
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    connections: { requestTimeoutMs: e.REQUEST_TIMEOUT_MS, headersTimeoutMs: e.HEADERS_TIMEOUT_MS, max: e.MAX_CONNECTIONS },
    authFailures: { limit: e.AUTH_FAILURE_LIMIT, windowMs: e.AUTH_FAILURE_WINDOW_MS },
    credentialCacheMs: e.AUTH_CACHE_TTL_MS,
    trustProxy: e.TRUST_PROXY,
    platform: e.RAAS_PLATFORM_NAME && e.RAAS_PLATFORM_KEY ? { name: e.RAAS_PLATFORM_NAME, key: e.RAAS_PLATFORM_KEY } : undefined,
  };
}
