/**
 * The operator commands: platforms and credentials, against the same DATABASE_URL as the server.
 * Run as `raas-customers <command>` (the installed package) or `pnpm raas <command>` (a checkout).
 */
import { parseArgs } from 'node:util';
import { assertPlatformName, issueCredential } from './auth/platforms.js';
import { readConfig } from './config.js';
import { openStore } from './store/open-store.js';
import type { Store } from './domain/ports.js';

/** Each command's one-line usage and what it does, for `--help`. */
const COMMANDS: Record<string, { usage: string; summary: string }> = {
  serve: { usage: 'serve', summary: 'start the server (configured by the environment: see the README)' },
  'platform create': { usage: 'platform create <name> [--label text]', summary: 'create a platform and its first full-access key' },
  'platform list': { usage: 'platform list', summary: 'list the platforms' },
  'credential create': {
    usage: 'credential create <platform> [--read-only] [--customers id1,id2] [--label text]',
    summary: 'add a key to a platform, optionally read-only or limited to some customers',
  },
  'credential list': { usage: 'credential list [--platform <name>]', summary: 'list key ids and their limits (never keys)' },
  'credential revoke': { usage: 'credential revoke <keyId>', summary: 'revoke a key' },
  'ledger verify': {
    usage: 'ledger verify',
    summary: "check that every account's balance is the sum of its ledger entries (exit 1 naming each one that is not)",
  },
};

export function usage(program: string, command?: string): string {
  const entries = Object.entries(COMMANDS).filter(([name]) => !command || name === command || name.startsWith(`${command} `));
  const lines = entries.map(([, c]) => `  ${program} ${c.usage}\n      ${c.summary}`);
  return `usage:\n${lines.join('\n')}\n\nThe database is DATABASE_URL's, as for the server (default file:./data/raas.db).`;
}

class UsageError extends Error {}

const CUSTOMER_IDENTIFIER = /^[-a-zA-Z0-9]{5,100}$/;

function printCredential(issued: { platformName: string; keyId: string; platformKey: string }): void {
  console.log(`platform name: ${issued.platformName}`);
  console.log(`key id:        ${issued.keyId}`);
  console.log(`platform key:  ${issued.platformKey}`);
  console.log('The key is shown only now: store it in your secret manager.');
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'read-only': { type: 'boolean', default: false },
      customers: { type: 'string' },
      label: { type: 'string' },
      platform: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [noun, verb, argument] = positionals;
  return { values, argument, command: `${noun ?? ''} ${verb ?? ''}`.trim() };
}

/** What `ledger verify` prints: a summary, and a line per differing account; its exit code. */
async function verifyLedger(store: Store): Promise<number> {
  const { accounts, entries, differences } = await store.verifyLedger();
  const cents = (minor: number) => (minor / 100).toFixed(2);
  for (const d of differences) {
    const broken = d.brokenEntries > 0 ? `; ${d.brokenEntries} entries whose balance after is not the running sum` : '';
    console.log(
      `DIFFERS\tplatform ${d.platformName}\taccount ${d.accountIdentifier}\tbalance ${cents(d.balanceMinor)}\tentries sum ${cents(d.entriesMinor)}${broken}`,
    );
  }
  console.log(
    `${accounts} accounts, ${entries} ledger entries: ${differences.length === 0 ? 'every balance matches' : `${differences.length} differ`}`,
  );
  return differences.length === 0 ? 0 : 1;
}

async function run(store: Store, { values, argument, command }: ReturnType<typeof parse>): Promise<number | undefined> {
  switch (command) {
    case 'ledger verify':
      return verifyLedger(store);
    case 'platform create': {
      if (!argument) throw new UsageError('platform create needs a name');
      assertPlatformName(argument);
      if (await store.findPlatform(argument)) throw new Error(`platform "${argument}" exists already`);
      await store.createPlatform(argument, new Date());
      printCredential(await issueCredential(store, argument, { label: values.label ?? 'created with the platform' }));
      return;
    }
    case 'platform list': {
      for (const platform of await store.listPlatforms()) console.log(`${platform.name}\tcreated ${platform.createdAt}`);
      return;
    }
    case 'credential create': {
      if (!argument) throw new UsageError('credential create needs a platform name');
      const customers =
        values.customers
          ?.split(',')
          .map((id) => id.trim())
          .filter(Boolean) ?? null;
      const invalid = customers?.filter((id) => !CUSTOMER_IDENTIFIER.test(id)) ?? [];
      if (invalid.length > 0) throw new Error(`not customer identifiers: ${invalid.join(', ')}`);
      printCredential(
        await issueCredential(store, argument, {
          readOnly: values['read-only'],
          allowedCustomers: customers,
          label: values.label ?? null,
        }),
      );
      return;
    }
    case 'credential list': {
      for (const c of await store.listCredentials(values.platform)) {
        const scope = [
          c.readOnly ? 'read-only' : 'read-write',
          c.allowedCustomers ? `customers: ${c.allowedCustomers.join(',')}` : 'all customers',
          c.revokedAt ? `REVOKED ${c.revokedAt}` : 'active',
        ].join('; ');
        console.log(`${c.keyId}\t${c.platformName}\t${scope}\t${c.label ?? ''}`);
      }
      return;
    }
    case 'credential revoke': {
      if (!argument) throw new UsageError('credential revoke needs a key id');
      if (!(await store.revokeCredential(argument, new Date()))) throw new Error(`no active credential "${argument}"`);
      console.log(`revoked ${argument}`);
      return;
    }
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'a command is needed');
  }
}

/** Runs one operator command; returns the exit code (0; 1 when `ledger verify` finds a difference; 2 with the reason on stderr). */
export async function runOperatorCommand(argv: string[], program: string): Promise<number> {
  let store: Store | undefined;
  let parsed: ReturnType<typeof parse> | undefined;
  try {
    parsed = parse(argv);
    if (parsed.values.help) {
      // `--help` alone, after a command, or after its first word (`platform --help`).
      const topic = COMMANDS[parsed.command]
        ? parsed.command
        : Object.keys(COMMANDS).some((name) => name.startsWith(`${parsed!.command} `))
          ? parsed.command
          : undefined;
      if (parsed.command && !topic) throw new UsageError(`unknown command "${parsed.command}"`);
      console.log(usage(program, topic));
      return 0;
    }
    if (!COMMANDS[parsed.command] || parsed.command === 'serve')
      throw new UsageError(parsed.command ? `unknown command "${parsed.command}"` : 'a command is needed');
    const config = readConfig();
    store = await openStore(config.databaseUrl, config.postgres);
    return (await run(store, parsed)) ?? 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`${program}: ${message}`);
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(usage(program, parsed && COMMANDS[parsed.command] ? parsed.command : undefined));
    }
    return 2;
  } finally {
    await store?.close();
  }
}
