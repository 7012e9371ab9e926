/**
 * The rendered API reference (apps/docs) at /docs/. The page is self-contained (Redoc inlined),
 * so its policy allows inline scripts and styles, data: images and blob: workers, and nothing
 * from another origin.
 *
 * The site is a few static files (the page is 2.6 MB, about 0.7 MB compressed): each is read
 * and compressed once, with brotli and gzip, and served with an ETag, so that browsers and
 * proxies may cache it and revalidate it for free, in the encoding the client accepts.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { type Request, Router } from 'express';
import helmet from 'helmet';
import { assetPath } from '../assets.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.yaml': 'application/yaml; charset=utf-8',
};

/** The docs change only with a deployment; the ETag makes revalidation after an hour free. */
const CACHE_CONTROL = 'public, max-age=3600';

interface StaticFile {
  type: string;
  etag: string;
  encodings: { identity: Buffer; br: Buffer; gzip: Buffer };
}

function staticFile(path: string): StaticFile {
  const identity = readFileSync(path);
  return {
    type: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 27)}"`,
    encodings: {
      identity,
      // Quality 5: a fraction of the default's start-up cost for nearly its size.
      br: brotliCompressSync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }),
      gzip: gzipSync(identity, { level: 9 }),
    },
  };
}

/** The best encoding the client accepts (q > 0): brotli, then gzip, else none. */
function encodingFor(req: Request): 'br' | 'gzip' | 'identity' {
  const accepted = new Map(
    String(req.headers['accept-encoding'] ?? '')
      .split(',')
      .map((part) => {
        const [name = '', ...params] = part.trim().toLowerCase().split(';');
        const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
        return [name.trim(), q === undefined ? 1 : Number(q)] as const;
      }),
  );
  const allows = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (allows('br')) return 'br';
  if (allows('gzip')) return 'gzip';
  return 'identity';
}

let files: Map<string, StaticFile> | undefined;

/**
 * The router, or undefined when the docs site has not been built. Without `sandbox` (production
 * mode) the sandbox controls' pages (sandbox.*) are not served: they would document routes
 * that do not exist there.
 */
export function docsSite({ sandbox = true }: { sandbox?: boolean } = {}): Router | undefined {
  const index = assetPath('docs/index.html');
  if (!index) return undefined;
  // Read and compressed once per process, however many apps are created (tests create many).
  files ??= new Map(readdirSync(dirname(index)).map((name) => [name, staticFile(join(dirname(index), name))]));
  const site = files;
  const router = Router();
  router.use(
    helmet.contentSecurityPolicy({
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        workerSrc: ["'self'", 'blob:'],
      },
    }),
  );
  router.get('/{*name}', (req, res, next) => {
    // The page's links are relative: it must be read as /docs/, not /docs.
    if (req.originalUrl === '/docs') return res.redirect(301, '/docs/');
    const name = req.path === '/' ? 'index.html' : req.path.slice(1);
    const file = sandbox || !name.startsWith('sandbox') ? site.get(name) : undefined;
    if (!file) return next();
    res.setHeader('Cache-Control', CACHE_CONTROL);
    res.setHeader('ETag', file.etag);
    res.setHeader('Vary', 'Accept-Encoding');
    res.type(file.type);
    if (req.headers['if-none-match']?.split(',').some((tag) => tag.trim() === file.etag)) return res.status(304).end();
    const encoding = encodingFor(req);
    if (encoding !== 'identity') res.setHeader('Content-Encoding', encoding);
    res.send(file.encodings[encoding]);
  });
  return router;
}
