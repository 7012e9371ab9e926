import type { RequestHandler } from 'express';
import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';

/** The longest a written line waits in the buffer before it reaches stdout. */
export const LOG_FLUSH_INTERVAL_MS = 500;

/**
 * JSON lines on stdout. Writes are buffered and asynchronous (a synchronous write per request
 * costs the event loop a system call each time), so a timer flushes the buffer: a quiet server's
 * lines still appear within a second, and a SIGKILL loses at most that much. `flush()` at
 * shutdown writes what is left.
 */
export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  if (destination) return pino({ level, base: { service: 'raas-customers' } }, destination);
  const stdout = pino.destination({ sync: false, minLength: 4096 });
  const logger = pino({ level, base: { service: 'raas-customers' } }, stdout);
  setInterval(() => logger.flush(), LOG_FLUSH_INTERVAL_MS).unref();
  return logger;
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
          req: { id: res.locals.requestId, method: req.method, path: req.originalUrl.split('?', 1)[0] },
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
