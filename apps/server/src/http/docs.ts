/**
 * The rendered API reference (apps/docs) at /docs/. The page is self-contained (Redoc inlined),
 * so its policy allows inline scripts and styles, data: images and blob: workers, and nothing
 * from another origin.
 */
import { dirname } from 'node:path';
import express, { Router } from 'express';
import helmet from 'helmet';
import { assetPath } from '../assets.js';

/** The router, or undefined when the docs site has not been built. */
export function docsSite(): Router | undefined {
  const index = assetPath('docs/index.html');
  if (!index) return undefined;
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
  // The page's links are relative: it must be read as /docs/, not /docs.
  router.use((req, res, next) => {
    if (req.originalUrl === '/docs') res.redirect(301, '/docs/');
    else next();
  });
  router.use(express.static(dirname(index), { maxAge: '1h' }));
  return router;
}
