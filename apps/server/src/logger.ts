import type { RequestHandler } from 'express';
import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';

/**
 * JSON lines on stdout. Writes are buffered and asynchronous (a synchronous write per request
 * costs the event loop a system call each time); `flush()` at shutdown writes what is left.
 */
export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  return pino({ level, base: { service: 'raas-customers' } }, destination ?? pino.destination({ sync: false, minLength: 4096 }));
}

/**
 * One line per request: request id, method, path, status, duration. Headers, query strings and
 * bodies are never logged: they carry credentials (Authorization) and personal data (emails).
 * A closure per request and one log call, rather than a child logger per request.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    if (!logger.isLevelEnabled('info')) return next();
    const started = performance.now();
    res.once('close', () => {
      logger.info(
        {
          req: { id: res.locals.requestId as string, method: req.method, path: req.originalUrl.split('?', 1)[0] },
          res: { status: res.statusCode },
          durationMs: Math.round((performance.now() - started) * 1000) / 1000,
          ...(res.writableFinished ? {} : { aborted: true }),
        },
        'request completed',
      );
    });
    next();
  };
}
