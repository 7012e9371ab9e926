/** Servers as child processes (on the test kit's spawner), so that each one's CPU time and peak memory can be read from /proc. */
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as kit from '@raas-customers/test-kit';

const require = createRequire(import.meta.url);
export const serverMain = join(dirname(require.resolve('@raas-customers/server/package.json')), 'dist/main.js');
export const serverCli = join(dirname(require.resolve('@raas-customers/server/package.json')), 'dist/cli.js');
/**
 * Node's flags in the server's production command (its `start` script): a smaller young
 * generation keeps peak RSS about 50 MB lower under load at no measured cost in throughput.
 */
export const serverNodeFlags = ['--max-semi-space-size=8'];

export interface Running {
  name: string;
  child: ChildProcess;
  origin: string;
  stop(): Promise<void>;
}

/**
 * Starts `command args` and waits until its output (either stream) matches `ready`, which captures
 * the origin; then its output is drained unread (logs stay on, as in production).
 */
export async function startProcess(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<Running> {
  const running = await kit.startProcess({ name, command, args, env, ready, readyOn: 'either', timeoutMs: 60_000, keepOutput: false });
  return {
    name,
    child: running.child,
    origin: running.url,
    async stop() {
      await running.stop();
    },
  };
}

/** A figure for a report: `digits` decimals, or n/a when there is none. */
export const fixed = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** Our server as its production command runs it (`serverNodeFlags`, the built `dist/main.js`), with `env`. */
export function startServer(name: string, env: Record<string, string>, ready: RegExp): Promise<Running> {
  return startProcess(name, process.execPath, [...serverNodeFlags, serverMain], env, ready);
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
