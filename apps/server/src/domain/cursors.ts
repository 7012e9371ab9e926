/**
 * Pagination cursors: opaque and tamper-evident. A cursor is its position in the list, the list
 * it belongs to and its platform, sealed with AES-256-GCM under a server-wide key: a client can
 * neither read it (internal ids would reveal how busy other platforms are) nor alter or forge it,
 * and a cursor from another platform, list or filter set does not open.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Position } from './ports.js';

export type CursorDirection = 'next' | 'prev';

/** What a cursor is bound to: the platform, which list, and a digest of its filters. */
export interface CursorScope {
  platformId: number;
  list: string;
  filters: unknown;
}

interface Sealed {
  v: 1;
  p: number;
  l: string;
  f: string;
  d: CursorDirection;
  t: number;
  i: number;
}

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

const digest = (filters: unknown) => createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 16);

export class CursorCodec {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('a cursor key has 32 bytes');
  }

  static newKey(): string {
    return randomBytes(32).toString('base64');
  }

  encode(scope: CursorScope, direction: CursorDirection, position: Position): string {
    const sealed: Sealed = {
      v: VERSION,
      p: scope.platformId,
      l: scope.list,
      f: digest(scope.filters),
      d: direction,
      t: position.createdAt,
      i: position.id,
    };
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(sealed), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The position, or undefined for anything this server did not issue for this scope and direction. */
  decode(token: string, scope: CursorScope, direction: CursorDirection): Position | undefined {
    const raw = Buffer.from(token, 'base64url');
    if (raw.length <= IV_BYTES + TAG_BYTES || raw.toString('base64url') !== token) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      const sealed = JSON.parse(text) as Sealed;
      const matches =
        sealed.v === VERSION &&
        sealed.p === scope.platformId &&
        sealed.l === scope.list &&
        sealed.f === digest(scope.filters) &&
        sealed.d === direction &&
        Number.isSafeInteger(sealed.t) &&
        Number.isSafeInteger(sealed.i);
      return matches ? { createdAt: sealed.t, id: sealed.i } : undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * The platform-wide cursor codec, its key kept in the database (so that every instance opens
 * every other's cursors), read once and shared by every list.
 */
export function cursorCodecOf(store: { setting(name: string, initial: () => string): Promise<string> }): () => Promise<CursorCodec> {
  let codec: Promise<CursorCodec> | undefined;
  return () => {
    codec ??= store
      .setting('cursor-key', CursorCodec.newKey)
      .then((key) => new CursorCodec(Buffer.from(key, 'base64')))
      .catch((error: unknown) => {
        codec = undefined;
        throw error;
      });
    return codec;
  };
}
