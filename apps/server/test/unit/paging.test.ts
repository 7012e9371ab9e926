/** Pages behind cursors and whole-list streaming, over an in-memory list in creation order. */
import { describe, expect, test } from 'vitest';
import { CursorCodec, type CursorScope } from '../../src/domain/cursors.js';
import { ApiError } from '../../src/domain/errors.js';
import { DEFAULT_MAX_RESULTS, type FetchWindow, STREAM_BATCH, everything, pageOf } from '../../src/domain/paging.js';
import type { ListWindow, Position, Positioned } from '../../src/domain/ports.js';

const codec = new CursorCodec(Buffer.from(CursorCodec.newKey(), 'base64'));
const scope: CursorScope = { platformId: 1, list: 'customers', filters: {} };

const before = (a: Position, b: Position) => a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id);

/** A list of `count` items (several share a creation time), answering windows as a store does; it records each window. */
function list(count: number): { fetch: FetchWindow<string>; windows: ListWindow[] } {
  const rows: Positioned<string>[] = Array.from({ length: count }, (_, i) => ({
    item: `item-${i}`,
    position: { createdAt: 1000 + Math.floor(i / 3), id: i + 1 },
  }));
  const windows: ListWindow[] = [];
  const fetch: FetchWindow<string> = async (window) => {
    windows.push(window);
    const { after, before: until, limit } = window;
    if (until) return rows.filter((row) => before(row.position, until)).slice(-limit);
    return rows.filter((row) => !after || before(after, row.position)).slice(0, limit);
  };
  return { fetch, windows };
}

const items = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `item-${from + i}`);

describe('pageOf', () => {
  test('the first page: default size, a next cursor, no previous page', async () => {
    const page = await pageOf(codec, scope, {}, list(25).fetch);
    expect(page).toMatchObject({
      numberOfElements: DEFAULT_MAX_RESULTS,
      maxResults: 10,
      prevPageAvailable: false,
      nextPageAvailable: true,
      prevCursor: null,
    });
    expect(page.items).toEqual(items(0, 10));
    expect(page.nextCursor).toEqual(expect.any(String));
  });

  test('walks forward to the end and back to the start by the cursors, without gaps or repeats', async () => {
    const { fetch } = list(23);
    const forward: string[] = [];
    let page = await pageOf(codec, scope, { maxResults: 5 }, fetch);
    forward.push(...page.items);
    while (page.nextCursor) {
      page = await pageOf(codec, scope, { maxResults: 5, nextCursor: page.nextCursor }, fetch);
      forward.push(...page.items);
    }
    expect(forward).toEqual(items(0, 23));
    expect(page).toMatchObject({ numberOfElements: 3, nextPageAvailable: false, nextCursor: null, prevPageAvailable: true });

    const backward: string[][] = [page.items];
    while (page.prevCursor) {
      page = await pageOf(codec, scope, { maxResults: 5, prevCursor: page.prevCursor }, fetch);
      backward.unshift(page.items);
    }
    expect(backward.flat()).toEqual(items(0, 23));
    expect(page).toMatchObject({ prevPageAvailable: false, prevCursor: null, nextPageAvailable: true });
  });

  test('asks the store for one row more than the page, and one row behind it, no more', async () => {
    const { fetch, windows } = list(30);
    const first = await pageOf(codec, scope, { maxResults: 10 }, fetch);
    expect(windows).toEqual([{ limit: 11 }]);
    windows.length = 0;
    await pageOf(codec, scope, { maxResults: 10, nextCursor: first.nextCursor! }, fetch);
    expect(windows.map((w) => w.limit)).toEqual([11, 1]);
  });

  test('an empty list is one empty page', async () => {
    expect(await pageOf(codec, scope, {}, list(0).fetch)).toEqual({
      numberOfElements: 0,
      maxResults: 10,
      prevCursor: null,
      nextCursor: null,
      prevPageAvailable: false,
      nextPageAvailable: false,
      items: [],
    });
  });

  test('both cursors at once are refused, each named', async () => {
    const error = await pageOf(codec, scope, { nextCursor: 'a', prevCursor: 'b' }, list(5).fetch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).i18nKey).toBe('400.001');
    expect((error as ApiError).errors?.map((e) => [e.path, e.rule, e.invalidValue])).toEqual([
      ['nextCursor', 'Cursor', 'a'],
      ['prevCursor', 'Cursor', 'b'],
    ]);
  });

  const sealed = (list: string, direction: 'next' | 'prev'): string =>
    codec.encode({ ...scope, list }, direction, { createdAt: 1000, id: 1 });
  test.each([
    ['forged', 'not-a-cursor', 'nextCursor'],
    ['for another list', sealed('accounts', 'next'), 'nextCursor'],
    ['a next cursor given as prevCursor', sealed('customers', 'next'), 'prevCursor'],
  ] as const)('a cursor %s is refused and never reaches the store', async (_, token, parameter) => {
    const { fetch, windows } = list(5);
    const error = await pageOf(codec, scope, { [parameter]: token }, fetch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).errors).toEqual([expect.objectContaining({ path: parameter, rule: 'Cursor' })]);
    expect(windows).toEqual([]);
  });
});

describe('everything', () => {
  test('streams the whole list in batches of STREAM_BATCH, one window each', async () => {
    const count = STREAM_BATCH * 2 + 7;
    const { fetch, windows } = list(count);
    const batches: string[][] = [];
    for await (const batch of everything(fetch)) batches.push(batch);
    expect(batches.map((b) => b.length)).toEqual([STREAM_BATCH, STREAM_BATCH, 7]);
    expect(batches.flat()).toEqual(items(0, count));
    expect(windows).toHaveLength(3);
    expect(windows.every((w) => w.limit === STREAM_BATCH)).toBe(true);
  });

  test('an exact multiple ends with one empty look, and an empty list yields nothing', async () => {
    const exact = list(STREAM_BATCH);
    const batches: string[][] = [];
    for await (const batch of everything(exact.fetch)) batches.push(batch);
    expect(batches.map((b) => b.length)).toEqual([STREAM_BATCH]);
    expect(exact.windows).toHaveLength(2);
    for await (const batch of everything(list(0).fetch)) throw new Error(`unexpected batch ${batch}`);
  });
});
