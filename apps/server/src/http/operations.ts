/**
 * The operation registry: one typed handler per operationId of a contract (the API's, or the
 * sandbox controls'), mounted from its bundled spec. A handler never sees Express: it takes its operation's path parameters, query
 * and body (typed from the generated `operations`, already validated) and the principal, and
 * returns one of its operation's success statuses with that status's typed body (or, for a
 * list's bare array, its items in batches, streamed).
 *
 * Path and method come from the spec only. `Handlers` has exactly one key per operationId, so a
 * missing handler fails the type check and an extra one too (excess property check); at start,
 * `mountOperations` checks the same against the spec itself.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Request, type Response, Router } from 'express';
import type { Principal } from '../domain/model.js';
import type { operations } from '../generated/api.js';
import { type SpecOperation, apiOperations } from './spec-operations.js';

declare global {
  namespace Express {
    /** What the middleware before the handlers puts on `res.locals`. */
    interface Locals {
      /** Set by the request-id middleware, first. */
      requestId: string;
      /** Set by authentication, before any operation's handler runs. */
      principal: Principal;
    }
  }
}

/** What openapi-typescript generates for a spec's operations (an interface keyed by operationId). */
type OperationsType = object;

export type OperationId = keyof operations;

/** `never` (no such part in the spec) becomes an empty object, so a handler may still destructure it. */
type Present<T> = [NonNullable<T>] extends [never] ? Record<string, never> : NonNullable<T>;

type Parameters<Op> = Op extends { parameters: infer P } ? P : never;
export type PathOf<Op> = Present<Parameters<Op> extends { path?: infer P } ? P : never>;
export type QueryOf<Op> = Present<Parameters<Op> extends { query?: infer Q } ? Q : never>;
export type BodyOf<Op> = Op extends {
  requestBody: { content: { 'application/json': infer Body } };
}
  ? Body
  : undefined;

type Responses<Op> = Op extends { responses: infer R } ? R : never;
type SuccessStatus<Op> = Extract<keyof Responses<Op>, 200 | 201 | 204>;
type JsonOf<R> = R extends { content: { 'application/json': infer Body } } ? Body : never;

/** A success status of the operation with its body, as the spec declares them (a 204 has none). */
export type Reply<Op> = {
  [Status in SuccessStatus<Op>]: Status extends 204 ? { status: Status } : { status: Status; body: JsonOf<Responses<Op>[Status]> };
}[SuccessStatus<Op>];

/** A bare JSON array answer, written as its batches arrive (only where the spec's 200 is an array). */
type Streamed<Op> =
  200 extends SuccessStatus<Op>
    ? [Extract<JsonOf<Responses<Op>[200]>, readonly unknown[]>] extends [never]
      ? never
      : { status: 200; stream: AsyncIterable<Extract<JsonOf<Responses<Op>[200]>, readonly unknown[]>[number][]> }
    : never;

export interface OperationInput<Op> {
  path: PathOf<Op>;
  query: QueryOf<Op>;
  body: BodyOf<Op>;
  principal: Principal;
  /** The request's id (X-REQUEST-ID), for what a handler logs. */
  requestId: string;
}

export type Handler<Op> = (input: OperationInput<Op>) => Promise<Reply<Op> | Streamed<Op>>;

/** Exactly one handler per operation of a contract (the API's by default). */
export type Handlers<Ops extends OperationsType = operations> = { [Op in keyof Ops]: Handler<Ops[Op]> };

type AnyReply = { status: number; body?: unknown; stream?: AsyncIterable<unknown[]> };
type AnyHandler = (input: { path: unknown; query: unknown; body: unknown; principal: Principal; requestId: string }) => Promise<AnyReply>;

/** `/customers/{customerIdentifier}` -> `/customers/:customerIdentifier` (the spec's parameter names). */
const expressPath = (template: string) => template.replace(/\{([^}]+)\}/g, ':$1');

/**
 * A Router with every operation of the spec at its path and method. Throws at start when the
 * handlers and the spec's operations differ (which the type check already rules out).
 */
export function mountOperations<Ops extends OperationsType = operations>(
  handlers: Handlers<Ops>,
  declared: readonly SpecOperation[] = apiOperations.all,
): Router {
  const ids = new Set(declared.map((operation) => operation.operationId));
  const missing = [...ids].filter((id) => !(id in handlers));
  const extra = Object.keys(handlers).filter((id) => !ids.has(id));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `operation handlers do not match the spec: missing ${missing.join(', ') || 'none'}; extra ${extra.join(', ') || 'none'}`,
    );
  }
  const router = Router();
  for (const operation of declared) {
    const handler = handlers[operation.operationId as keyof Ops] as unknown as AnyHandler;
    const method = operation.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
    router[method](expressPath(operation.path), async (req: Request, res: Response) => {
      const { principal, requestId } = res.locals;
      const reply = await handler({ path: req.params, query: req.query, body: req.body, principal, requestId });
      if (reply.stream) await streamArray(res, reply.stream);
      else if (reply.status === 204) res.status(204).end();
      else res.status(reply.status).json(reply.body);
    });
  }
  return router;
}

/**
 * Writes a bare JSON array as its batches arrive, through a stream pipeline (backpressure, and
 * teardown when the client goes away), so that a list of any size costs bounded memory. The
 * first batch is awaited before the status is sent: a failure before that is still an
 * ErrorInfo; a failure after it cuts the connection (the array is visibly incomplete, never
 * silently short).
 */
async function streamArray(res: Response, batches: AsyncIterable<unknown[]>): Promise<void> {
  const iterator = batches[Symbol.asyncIterator]();
  const first = await iterator.next();
  // A list that fits one batch (most do) is one string: no stream to set up (a HEAD gets the
  // same headers, Content-Length included, and no body).
  const second = first.done ? first : await iterator.next();
  if (second.done) {
    res
      .status(200)
      .type('application/json')
      .send(first.done ? '[]' : JSON.stringify(first.value));
    return;
  }
  // A longer HEAD has no body either: its status and headers are known now.
  if (res.req.method === 'HEAD') {
    await iterator.return?.(undefined);
    res.status(200).type('application/json').end();
    return;
  }
  res.status(200).type('application/json');
  async function* chunks(): AsyncGenerator<string> {
    try {
      // One stringify per batch: the array's brackets come off and the separators go back in.
      yield `[${JSON.stringify(first.value).slice(1, -1)}`;
      yield `,${JSON.stringify(second.value).slice(1, -1)}`;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        yield `,${JSON.stringify(next.value).slice(1, -1)}`;
      }
      yield ']';
    } finally {
      await iterator.return?.(undefined);
    }
  }
  try {
    await pipeline(Readable.from(chunks()), res);
  } catch (error) {
    // The client left: nothing to answer. Anything else reaches the error handler, which cuts
    // the connection since the status is already sent.
    if ((error as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
  } finally {
    // A client gone before chunks() began never runs its finally: release the source here too
    // (returning a finished iterator is a no-op).
    await iterator.return?.(undefined);
  }
}
