/** Platforms, their credentials and the server's settings, in SQL written once for both databases. */
import type { CredentialInfo, NewCredential, Platform, PlatformStore, SettingStore, StoredCredential } from '../domain/ports.js';
import { type CredentialRow, iso, toCredentialInfo, toStoredCredential } from './rows.js';
import type { SqlDriver } from './sql/driver.js';

interface PlatformRow {
  id: number;
  name: string;
  created_at: number;
}

const toPlatform = (row: PlatformRow): Platform => ({ id: row.id, name: row.name, createdAt: iso(row.created_at) });

const CREDENTIALS =
  'SELECT k.*, p.name AS platform_name, p.sandbox_throwaway AS throw_away FROM credentials k JOIN platforms p ON p.id = k.platform_id';

export class PlatformSql implements PlatformStore, SettingStore {
  readonly #db: SqlDriver;

  constructor(db: SqlDriver) {
    this.#db = db;
  }

  async setting(name: string, initial: () => string): Promise<string> {
    await this.#db.write('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [name, initial()]);
    const rows = await this.#db.all<{ value: string }>('SELECT value FROM settings WHERE name = ?', [name]);
    return rows[0]!.value;
  }

  async createPlatform(name: string, now: Date, options: { throwAway?: boolean } = {}): Promise<Platform> {
    const { rows } = await this.#db.write<{ id: number }>(
      'INSERT INTO platforms (name, created_at, sandbox_throwaway) VALUES (?, ?, ?) RETURNING id',
      [name, now.getTime(), options.throwAway ?? false],
    );
    return { id: rows[0]!.id, name, createdAt: now.toISOString() };
  }

  async findPlatform(name: string): Promise<Platform | undefined> {
    const rows = await this.#db.all<PlatformRow>('SELECT id, name, created_at FROM platforms WHERE name = ?', [name]);
    return rows[0] && toPlatform(rows[0]);
  }

  async listPlatforms(): Promise<Platform[]> {
    return (await this.#db.all<PlatformRow>('SELECT id, name, created_at FROM platforms ORDER BY id', [])).map(toPlatform);
  }

  async addCredential(credential: NewCredential, now: Date): Promise<void> {
    await this.#db.write(
      `INSERT INTO credentials (platform_id, key_id, key_hash, label, read_only, allowed_customers, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [
        credential.platformId,
        credential.keyId,
        credential.keyHash,
        credential.label,
        credential.readOnly,
        credential.allowedCustomers === null ? null : JSON.stringify(credential.allowedCustomers),
        now.getTime(),
      ],
    );
  }

  async listCredentials(platformName?: string): Promise<CredentialInfo[]> {
    const name = platformName ?? null;
    const rows = await this.#db.all<CredentialRow>(`${CREDENTIALS} WHERE (CAST(? AS TEXT) IS NULL OR p.name = ?) ORDER BY k.id`, [
      name,
      name,
    ]);
    return rows.map(toCredentialInfo);
  }

  async activeCredentials(platformName: string): Promise<StoredCredential[]> {
    const rows = await this.#db.all<CredentialRow>(`${CREDENTIALS} WHERE p.name = ? AND k.revoked_at IS NULL`, [platformName]);
    return rows.map(toStoredCredential);
  }

  async revokeCredential(keyId: string, now: Date): Promise<boolean> {
    const { changes } = await this.#db.write('UPDATE credentials SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL', [
      now.getTime(),
      keyId,
    ]);
    return changes === 1;
  }
}
