/** Cursors as pure functions: sealed, opened only in their own scope and direction, never forged. */
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { CursorCodec, type CursorScope } from '../../src/domain/cursors.js';

const codec = new CursorCodec(Buffer.from(CursorCodec.newKey(), 'base64'));
const scope: CursorScope = { platformId: 7, list: 'customers', filters: { displayName: 'Acme', status: 'active' } };
const position = { createdAt: Date.UTC(2024, 0, 1), id: 42 };

describe('CursorCodec', () => {
  test('a cursor opens in its scope and direction to the position it was sealed with', () => {
    const token = codec.encode(scope, 'next', position);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(codec.decode(token, scope, 'next')).toEqual(position);
    // The filters are compared by value, not by object.
    expect(codec.decode(token, { ...scope, filters: { displayName: 'Acme', status: 'active' } }, 'next')).toEqual(position);
  });

  test('is opaque: the position and platform cannot be read from it, and each sealing differs', () => {
    const one = codec.encode(scope, 'next', position);
    const two = codec.encode(scope, 'next', position);
    expect(one).not.toBe(two);
    expect(codec.decode(two, scope, 'next')).toEqual(position);
    const text = Buffer.from(one, 'base64url').toString('latin1');
    expect(text).not.toContain(String(position.createdAt));
    expect(text).not.toContain('customers');
  });

  test.each([
    ['another platform', { ...scope, platformId: 8 }, 'next'],
    ['another list', { ...scope, list: 'accounts' }, 'next'],
    ['other filters', { ...scope, filters: { displayName: 'Acme' } }, 'next'],
    ['the other direction', scope, 'prev'],
  ] as const)('does not open for %s', (_, otherScope, direction) => {
    expect(codec.decode(codec.encode(scope, 'next', position), otherScope, direction)).toBeUndefined();
  });

  test('does not open under another key', () => {
    const other = new CursorCodec(randomBytes(32));
    expect(other.decode(codec.encode(scope, 'next', position), scope, 'next')).toBeUndefined();
  });

  test('any tampered byte makes it unopenable', () => {
    const raw = Buffer.from(codec.encode(scope, 'next', position), 'base64url');
    for (let i = 0; i < raw.length; i++) {
      const tampered = Buffer.from(raw);
      tampered[i] = tampered[i]! ^ 0x01;
      expect(codec.decode(tampered.toString('base64url'), scope, 'next'), `byte ${i}`).toBeUndefined();
    }
  });

  test.each([
    ['empty', ''],
    ['too short to hold a tag', 'AAAA'],
    ['not base64url', '!!!not-a-cursor!!!'],
    ['random bytes', randomBytes(64).toString('base64url')],
  ])('refuses a token that is %s', (_, token) => {
    expect(codec.decode(token, scope, 'next')).toBeUndefined();
  });

  test('refuses a token that is not in its canonical form (padding, standard base64)', () => {
    let token = codec.encode(scope, 'next', position);
    // Sealed tokens with + or / in standard base64 exist; find one to re-encode.
    for (let i = 0; i < 100 && !/[-_]/.test(token); i++) token = codec.encode(scope, 'next', position);
    expect(token).toMatch(/[-_]/);
    const standard = Buffer.from(token, 'base64url').toString('base64');
    expect(codec.decode(standard, scope, 'next')).toBeUndefined();
    expect(codec.decode(`${token}=`, scope, 'next')).toBeUndefined();
    expect(codec.decode(token, scope, 'next')).toEqual(position);
  });

  test('a key has 32 bytes', () => {
    expect(Buffer.from(CursorCodec.newKey(), 'base64')).toHaveLength(32);
    expect(() => new CursorCodec(randomBytes(16))).toThrow(/32 bytes/);
  });
});
