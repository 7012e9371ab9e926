/** Runs the built server and CLI as real processes, the way an operator does (on the test kit's spawner). */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runToExit, startProcess } from '@raas-customers/test-kit';

const dist = (file: string) => fileURLToPath(new URL(`../../dist/${file}`, import.meta.url));

export interface RunningServer {
  child: ChildProcess;
  baseUrl: string;
  /** Everything the process wrote so far. */
  stdout(): string;
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The built server on a free loopback port; resolves once its banner (on stderr) says where it listens. */
export async function startServerProcess(env: Record<string, string>): Promise<RunningServer> {
  const running = await startProcess({ name: 'server', args: [dist('main.js')], env: { PORT: '0', HOST: '127.0.0.1', ...env } });
  return { child: running.child, baseUrl: running.url, stdout: running.stdout, stderr: running.stderr, stop: running.stop };
}

/** Runs the built server once and returns how it exited (for configuration errors). */
export async function runServerOnce(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const { code, stderr } = await runToExit({ args: [dist('main.js')], env });
  return { code, stderr };
}

export async function runCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await runToExit({ args: [dist('cli.js'), ...args], env });
  // -1: ended by a signal.
  return { code: code ?? -1, stdout, stderr };
}
