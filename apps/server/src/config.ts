/** The environment, validated once at start; a bad value stops the process with a clear message. */
import { z } from 'zod';
import { MIN_KEY_LENGTH, PLATFORM_NAME_PATTERN } from './auth/credentials.js';

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
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    AUTH_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
    AUTH_FAILURE_LIMIT: z.coerce.number().int().min(1).default(20),
    AUTH_FAILURE_WINDOW_MS: z.coerce.number().int().min(1000).default(60_000),
    TRUST_PROXY: z
      .string()
      .default('false')
      .transform((value): boolean | number | string =>
        value === 'true' ? true : value === 'false' ? false : /^\d+$/.test(value) ? Number(value) : value,
      ),
    RAAS_PLATFORM_NAME: z
      .string()
      .regex(PLATFORM_NAME_PATTERN, 'letters, digits, ".", "_" and "-", 3-64 characters')
      .optional(),
    RAAS_PLATFORM_KEY: z.string().min(MIN_KEY_LENGTH).optional(),
  })
  .refine((env) => (env.RAAS_PLATFORM_NAME === undefined) === (env.RAAS_PLATFORM_KEY === undefined), {
    message: 'set both RAAS_PLATFORM_NAME and RAAS_PLATFORM_KEY, or neither',
    path: ['RAAS_PLATFORM_KEY'],
  });

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  postgres: { poolMax: number; connectTimeoutMs: number };
  logLevel: (typeof LOG_LEVELS)[number];
  shutdownTimeoutMs: number;
  authFailures: { limit: number; windowMs: number };
  credentialCacheMs: number;
  trustProxy: boolean | number | string;
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
    postgres: { poolMax: e.PG_POOL_MAX, connectTimeoutMs: e.PG_CONNECT_TIMEOUT_MS },
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    authFailures: { limit: e.AUTH_FAILURE_LIMIT, windowMs: e.AUTH_FAILURE_WINDOW_MS },
    credentialCacheMs: e.AUTH_CACHE_TTL_MS,
    trustProxy: e.TRUST_PROXY,
    platform: e.RAAS_PLATFORM_NAME && e.RAAS_PLATFORM_KEY ? { name: e.RAAS_PLATFORM_NAME, key: e.RAAS_PLATFORM_KEY } : undefined,
  };
}
