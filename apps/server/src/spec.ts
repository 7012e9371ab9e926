/** The bundled contracts, read once: they drive request validation and are served to clients. */
import { readFileSync } from 'node:fs';
import { assetPath } from './assets.js';

function bundled(name: 'openapi.json' | 'sandbox.json'): string {
  const path = assetPath(name);
  if (!path) throw new Error(`the bundled spec (${name}) is missing: run \`pnpm build\``);
  return readFileSync(path, 'utf8');
}

/** The API's spec text as served at /raas/v2/openapi.json. */
export const bundledSpecText: string = bundled('openapi.json');

/** The sandbox controls' spec text, served at /sandbox/v1/openapi.json in sandbox mode. */
export const bundledSandboxSpecText: string = bundled('sandbox.json');

/** A fresh copy each call: express-openapi-validator mutates the document it is given. */
export function loadSpec(): Record<string, unknown> {
  return JSON.parse(bundledSpecText) as Record<string, unknown>;
}

/** A fresh copy of the sandbox controls' spec. */
export function loadSandboxSpec(): Record<string, unknown> {
  return JSON.parse(bundledSandboxSpecText) as Record<string, unknown>;
}

export const API_BASE_PATH = '/raas/v2';
export const SANDBOX_BASE_PATH = '/sandbox/v1';
