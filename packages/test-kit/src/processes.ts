/**
 * Child processes the way an operator runs them: a clean environment (PATH and what is given),
 * output captured, and a start that waits for the process to say where it listens.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/** The server's banner, on stderr (stdout carries only JSON log lines); the group is its URL. */
export const LISTENING_ON = /listening on (http:\/\/\S+)/;

/** What a started process keeps of its output while it waits for the ready line, when it keeps none. */
const READY_WINDOW = 20_000;

export interface StartOptions {
  /** Named in errors. */
  name?: string;
  /** The executable (this Node by default). */
  command?: string;
  args: string[];
  /** The child's whole environment besides PATH: nothing else is inherited. */
  env?: Record<string, string>;
  cwd?: string;
  /** The line that says it is ready; its first group is the URL it listens on. LISTENING_ON by default. */
  ready?: RegExp;
  /** Where that line is written: stderr by default (the server's banner). */
  readyOn?: 'stderr' | 'stdout' | 'either';
  /** How long it may take to be ready (15 s by default). */
  timeoutMs?: number;
  /**
   * true (default): everything it writes is kept, for stdout() and stderr(). false: only the tail
   * until it is ready, then its output is drained unread (a long benchmark run, logs on).
   */
  keepOutput?: boolean;
}

export interface RunningProcess {
  child: ChildProcess;
  /** The ready line's first group: where it listens. */
  url: string;
  /** Everything it wrote so far (with keepOutput false, only what it wrote until ready). */
  stdout(): string;
  stderr(): string;
  /** Sends the signal (SIGTERM by default) unless it has exited, and resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a process and resolves once it writes its ready line; rejects if it exits or times out first. */
export async function startProcess(options: StartOptions): Promise<RunningProcess> {
  const {
    name = 'process',
    command = process.execPath,
    args,
    env = {},
    cwd,
    ready = LISTENING_ON,
    readyOn = 'stderr',
    timeoutMs = 15_000,
    keepOutput = true,
  } = options;
  const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  let isReady = false;
  const keep = (stream: 'stdout' | 'stderr', chunk: Buffer) => {
    output[stream] += chunk.toString();
    if (!keepOutput) output[stream] = output[stream].slice(-READY_WINDOW);
  };
  const onStdout = (chunk: Buffer) => keep('stdout', chunk);
  const onStderr = (chunk: Buffer) => keep('stderr', chunk);
  child.stdout.on('data', onStdout);
  child.stderr.on('data', onStderr);
  const watched = readyOn === 'either' ? (['stdout', 'stderr'] as const) : ([readyOn] as const);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A process that did not start in time is not left behind.
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start:\n${output.stdout}\n${output.stderr}`));
    }, timeoutMs);
    const check = () => {
      if (isReady) return;
      for (const stream of watched) {
        const match = ready.exec(output[stream]);
        if (match?.[1]) {
          isReady = true;
          clearTimeout(timer);
          resolve(match[1]);
          return;
        }
      }
    };
    for (const stream of watched) child[stream].on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${output.stdout}\n${output.stderr}`));
    });
  });
  if (!keepOutput) {
    // Keep draining its output (so that it never blocks on a full pipe) without holding it.
    child.stdout.removeAllListeners('data').resume();
    child.stderr.removeAllListeners('data').resume();
  }
  return {
    child,
    url,
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}

export interface ProcessResult {
  /** The exit code; null when a signal ended it. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a process to its end (clean environment, as startProcess) and returns how it exited and what it wrote. */
export async function runToExit(options: Pick<StartOptions, 'command' | 'args' | 'env' | 'cwd'>): Promise<ProcessResult> {
  const { command = process.execPath, args, env = {}, cwd } = options;
  const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // 'close', not 'exit': every byte it wrote has been read by then.
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}
