import { existsSync, writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { basic, cpuMicros, peakRssMb, runToExit, startProcess, temporaryDirectory, temporarySqlite } from '../src/index.js';

describe('basic', () => {
  test('encodes name:key in base64, from a pair or from credentials', () => {
    expect(basic('acme-platform', 'k:e/y')).toBe(`Basic ${Buffer.from('acme-platform:k:e/y').toString('base64')}`);
    expect(basic({ name: 'acme-platform', key: 'k:e/y' })).toBe(basic('acme-platform', 'k:e/y'));
    expect(Buffer.from(basic('ü', 'x').slice('Basic '.length), 'base64').toString('utf8')).toBe('ü:x');
  });
});

/** A Node one-liner as a child process. */
const script = (code: string) => ['-e', code];

describe('startProcess', () => {
  test('resolves with the URL of the banner on stderr, keeps both outputs, and stops with SIGTERM', async () => {
    const running = await startProcess({
      args: script(
        // The handler before the banner: a SIGTERM sent as soon as the banner is read must find it.
        "process.on('SIGTERM', () => process.exit(3)); console.log('a log line'); console.error('listening on http://127.0.0.1:1234/raas/v2'); setInterval(() => {}, 1000);",
      ),
    });
    expect(running.url).toBe('http://127.0.0.1:1234/raas/v2');
    expect(running.stderr()).toContain('listening on');
    await expect.poll(() => running.stdout()).toContain('a log line');
    expect(await running.stop()).toBe(3);
    expect(await running.stop()).toBe(3);
  });

  test('passes PATH and the given environment only', async () => {
    process.env.RAAS_KIT_LEAK = 'leaked';
    try {
      const running = await startProcess({
        args: script(
          "console.error('listening on http://x/' + process.env.GIVEN + '/' + (process.env.RAAS_KIT_LEAK ?? 'none') + '/' + Boolean(process.env.PATH)); setInterval(() => {}, 1000);",
        ),
        env: { GIVEN: 'given' },
      });
      expect(running.url).toBe('http://x/given/none/true');
      await running.stop();
    } finally {
      delete process.env.RAAS_KIT_LEAK;
    }
  });

  test('does not take a banner on stdout unless told, and then reads either stream', async () => {
    const onStdout = script("console.log('listening on http://127.0.0.1:9/'); setTimeout(() => {}, 5000);");
    await expect(startProcess({ name: 'quiet', args: onStdout, timeoutMs: 500 })).rejects.toThrow(/quiet did not start/);
    const running = await startProcess({ args: onStdout, readyOn: 'either', keepOutput: false });
    expect(running.url).toBe('http://127.0.0.1:9/');
    await running.stop('SIGKILL');
    expect(running.child.signalCode).toBe('SIGKILL');
  });

  test('rejects with what it wrote when it exits before it is ready', async () => {
    await expect(startProcess({ name: 'broken', args: script("console.error('no such port'); process.exit(1)") })).rejects.toThrow(
      /broken exited with 1:[\s\S]*no such port/,
    );
  });
});

describe('runToExit', () => {
  test('returns the exit code and everything written', async () => {
    const result = await runToExit({
      args: script("process.stdout.write('out'.repeat(50000)); console.error('err'); process.exitCode = 4"),
    });
    expect(result).toEqual({ code: 4, stdout: 'out'.repeat(50000), stderr: 'err\n' });
  });
});

describe('temporary directories and SQLite databases', () => {
  test('are created fresh and removed', async () => {
    const dir = temporaryDirectory('raas-kit-');
    writeFileSync(dir.file('a.txt'), 'a');
    expect(existsSync(dir.file('a.txt'))).toBe(true);
    dir.remove();
    expect(existsSync(dir.path)).toBe(false);

    const one = temporarySqlite();
    const two = temporarySqlite();
    expect(one.url).toMatch(/^file:\/.+\/raas\.db$/);
    expect(one.url).not.toBe(two.url);
    const file = one.url.slice('file:'.length);
    writeFileSync(file, '');
    await one.drop();
    await two.drop();
    expect(existsSync(file)).toBe(false);
  });
});

describe('resource readings', () => {
  test('read this process from /proc', () => {
    let spin = 0;
    for (let i = 0; i < 2_000_000; i++) spin += i;
    expect(spin).toBeGreaterThan(0);
    expect(cpuMicros(process.pid)).toBeGreaterThan(0);
    const rss = peakRssMb(process.pid);
    expect(rss).toBeGreaterThan(10);
    expect(rss).toBeLessThan(100_000);
  });
});
