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
      .refine((url) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || url.startsWith('file://'), {
        message: 'use a file path or a file: URL (an SQLite database)',
      }),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
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
  logLevel: (typeof LOG_LEVELS)[number];
  shutdownTimeoutMs: number;
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
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    platform: e.RAAS_PLATFORM_NAME && e.RAAS_PLATFORM_KEY ? { name: e.RAAS_PLATFORM_NAME, key: e.RAAS_PLATFORM_KEY } : undefined,
  };
}
