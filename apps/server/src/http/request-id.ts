import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

/** Every response carries X-REQUEST-ID; ErrorInfo.requestId repeats it (res.locals.requestId). */
export const requestId: RequestHandler = (_req, res, next) => {
  const id = randomUUID();
  res.locals.requestId = id;
  res.setHeader('X-REQUEST-ID', id);
  next();
};
