/** The bundled contract, read once: it drives request validation and is served to clients. */
import { readFileSync } from 'node:fs';
import { assetPath } from './assets.js';

const specPath = assetPath('openapi.json');
if (!specPath) throw new Error('the bundled spec (openapi.json) is missing: run `pnpm build`');
export const bundledSpecPath: string = specPath;

/** The spec's text as served at /raas/v2/openapi.json. */
export const bundledSpecText: string = readFileSync(bundledSpecPath, 'utf8');

/** A fresh copy each call: express-openapi-validator mutates the document it is given. */
export function loadSpec(): Record<string, unknown> {
  return JSON.parse(bundledSpecText) as Record<string, unknown>;
}

export const API_BASE_PATH = '/raas/v2';
