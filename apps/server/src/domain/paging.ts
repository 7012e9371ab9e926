/**
 * Lists in creation order, two ways: one page at a time behind cursors (keyset windows: the cost
 * of a page does not grow with the list), or everything, fetched in bounded batches so that the
 * whole list is never held in memory.
 */
import type { ListWindow, Position, Positioned } from './ports.js';
import type { CursorCodec, CursorDirection, CursorScope } from './cursors.js';
import { ApiError, type FieldViolation, fieldViolation } from './errors.js';

export type FetchWindow<T> = (window: ListWindow) => Promise<Positioned<T>[]>;

export interface PageQuery {
  maxResults?: number;
  nextCursor?: string;
  prevCursor?: string;
}

export interface Page<T> {
  numberOfElements: number;
  maxResults: number;
  prevCursor: string | null;
  nextCursor: string | null;
  prevPageAvailable: boolean;
  nextPageAvailable: boolean;
  items: T[];
}

export const DEFAULT_MAX_RESULTS = 10;
/** Rows per batch when a whole list is streamed. */
export const STREAM_BATCH = 500;

const cursorViolation = (parameter: string, value: string, message: string): FieldViolation =>
  fieldViolation(parameter, 'Cursor', message, value);

/** The position a request's cursor stands for, checked against the list it is used on. */
function startOf(codec: CursorCodec, scope: CursorScope, query: PageQuery): { direction: CursorDirection; position: Position } | undefined {
  if (query.nextCursor !== undefined && query.prevCursor !== undefined) {
    const message = 'give nextCursor or prevCursor, not both';
    throw new ApiError('400.001', {}, [
      cursorViolation('nextCursor', query.nextCursor, message),
      cursorViolation('prevCursor', query.prevCursor, message),
    ]);
  }
  const [parameter, direction, token] =
    query.nextCursor !== undefined
      ? (['nextCursor', 'next', query.nextCursor] as const)
      : query.prevCursor !== undefined
        ? (['prevCursor', 'prev', query.prevCursor] as const)
        : [];
  if (!parameter || token === undefined) return undefined;
  const position = codec.decode(token, scope, direction);
  if (!position) {
    throw new ApiError('400.001', {}, [cursorViolation(parameter, token, `is not a ${parameter} issued for this list and these filters`)]);
  }
  return { direction, position };
}

export async function pageOf<T>(codec: CursorCodec, scope: CursorScope, query: PageQuery, fetch: FetchWindow<T>): Promise<Page<T>> {
  const maxResults = query.maxResults ?? DEFAULT_MAX_RESULTS;
  const start = startOf(codec, scope, query);
  let rows: Positioned<T>[];
  let hasNext: boolean;
  let hasPrev: boolean;
  if (!start) {
    rows = await fetch({ limit: maxResults + 1 });
    hasNext = rows.length > maxResults;
    rows = rows.slice(0, maxResults);
    hasPrev = false;
  } else if (start.direction === 'next') {
    rows = await fetch({ after: start.position, limit: maxResults + 1 });
    hasNext = rows.length > maxResults;
    rows = rows.slice(0, maxResults);
    hasPrev = (await fetch({ before: rows[0]?.position ?? start.position, limit: 1 })).length > 0;
  } else {
    rows = await fetch({ before: start.position, limit: maxResults + 1 });
    hasPrev = rows.length > maxResults;
    rows = rows.slice(-maxResults);
    hasNext = (await fetch({ after: rows.at(-1)?.position ?? start.position, limit: 1 })).length > 0;
  }
  const first = rows[0]?.position ?? start?.position;
  const last = rows.at(-1)?.position ?? start?.position;
  return {
    numberOfElements: rows.length,
    maxResults,
    prevCursor: hasPrev && first ? codec.encode(scope, 'prev', first) : null,
    nextCursor: hasNext && last ? codec.encode(scope, 'next', last) : null,
    prevPageAvailable: hasPrev,
    nextPageAvailable: hasNext,
    items: rows.map((row) => row.item),
  };
}

/** Every item of a list, as batches of at most STREAM_BATCH items (one window query each). */
export async function* everything<T>(fetch: FetchWindow<T>): AsyncGenerator<T[]> {
  let after: Position | undefined;
  for (;;) {
    const rows = await fetch(after ? { after, limit: STREAM_BATCH } : { limit: STREAM_BATCH });
    if (rows.length > 0) yield rows.map((row) => row.item);
    const last = rows.at(-1);
    if (!last || rows.length < STREAM_BATCH) return;
    after = last.position;
  }
}
