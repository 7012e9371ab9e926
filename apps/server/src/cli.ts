/**
 * The operator CLI: platforms and credentials, against the same DATABASE_URL as the server.
 *   raas platform create <name>         a platform and its first full-access key
 *   raas platform list
 *   raas credential create <platform> [--read-only] [--customers id1,id2] [--label text]
 *   raas credential list [--platform <name>]
 *   raas credential revoke <keyId>
 */
import { parseArgs } from 'node:util';
import { assertPlatformName, issueCredential } from './auth/platforms.js';
import { readConfig } from './config.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';

const USAGE = `usage:
  raas platform create <name>
  raas platform list
  raas credential create <platform> [--read-only] [--customers id1,id2] [--label text]
  raas credential list [--platform <name>]
  raas credential revoke <keyId>`;

class UsageError extends Error {}

const CUSTOMER_IDENTIFIER = /^[-a-zA-Z0-9]{5,100}$/;

function printCredential(issued: { platformName: string; keyId: string; platformKey: string }): void {
  console.log(`platform name: ${issued.platformName}`);
  console.log(`key id:        ${issued.keyId}`);
  console.log(`platform key:  ${issued.platformKey}`);
  console.log('The key is shown only now: store it in your secret manager.');
}

async function run(store: Store, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'read-only': { type: 'boolean', default: false },
      customers: { type: 'string' },
      label: { type: 'string' },
      platform: { type: 'string' },
    },
  });
  const [noun, verb, argument] = positionals;
  const command = `${noun ?? ''} ${verb ?? ''}`;

  switch (command) {
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
      const customers = values.customers?.split(',').map((id) => id.trim()).filter(Boolean) ?? null;
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
      throw new UsageError(`unknown command "${command.trim()}"`);
  }
}

async function main(): Promise<number> {
  let store: Store | undefined;
  try {
    const config = readConfig();
    store = await openStore(config.databaseUrl, config.postgres);
    await run(store, process.argv.slice(2));
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`raas: ${message}`);
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) console.error(USAGE);
    return 2;
  } finally {
    await store?.close();
  }
}

process.exitCode = await main();
