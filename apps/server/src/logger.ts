import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { pinoHttp } from 'pino-http';

export function createLogger(level: LevelWithSilent): Logger {
  return pino({ level, base: { service: 'raas-customers' } });
}

/**
 * One JSON line per request: request id, method, path, status, duration. Headers, query strings
 * and bodies are never logged: they carry credentials (Authorization) and personal data (emails).
 */
export function httpLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (_req: IncomingMessage, res: ServerResponse) => String((res as { locals?: { requestId?: string } }).locals?.requestId),
    quietReqLogger: true,
    customAttributeKeys: { responseTime: 'durationMs' },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        path: req.url.split('?')[0],
      }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
  });
}
