import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { eventually } from './eventually.js';

export const MZI_BIN = fileURLToPath(new URL('../../bin/mzi.js', import.meta.url));

/** A free loopback port (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Runs `mzi <args>` (the built CLI, as a user would) and returns its exit code and output. */
export function runMzi(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [MZI_BIN, ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * `runMzi` without blocking this process: for commands that talk to a fake server running in the test itself
 * (a synchronous spawn would stop that server from answering).
 */
export async function runMziAsync(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MZI_BIN, ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) =>
    child.once('close', (status) => resolve(status)),
  );
  clearTimeout(timer);
  return { code, stdout, stderr };
}

export interface MziServer {
  process: ChildProcess;
  baseUrl: string;
  output: () => string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop: () => Promise<number | null>;
}

/** Starts `mzi serve` as a real process and waits until health answers. */
export async function startMziServer(
  env: Record<string, string>,
  serveArgs: string[] = [],
): Promise<MziServer> {
  const port = await freePort();
  const workerOnly = serveArgs.includes('worker');
  const child = spawn(process.execPath, [MZI_BIN, 'serve', ...serveArgs], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const ready = async (): Promise<boolean> => {
    if (child.exitCode !== null) return true; // reported below, without waiting for the timeout
    // A worker-only process serves no HTTP: ready once it says it started.
    if (workerOnly) return output.includes('worker started');
    const response = await fetch(`${baseUrl}/api/v1/events/health`).catch(() => undefined);
    return response?.ok === true;
  };
  try {
    await eventually(ready, {
      what: workerOnly ? 'the mzi worker to start' : 'mzi to answer health',
      timeoutMs: 20_000,
      intervalMs: 50,
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}:\n${output}`);
  }
  if (child.exitCode !== null) throw new Error(`mzi exited with ${child.exitCode}:\n${output}`);
  return {
    process: child,
    baseUrl,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

/** Waits until the server reports nothing pending or processing. */
export async function waitForIdle(baseUrl: string, timeoutMs = 30_000): Promise<void> {
  await eventually(
    async () => {
      const health = (await (await fetch(`${baseUrl}/api/v1/events/health`)).json()) as {
        queue: { pending: number; processing: number };
      };
      if (health.queue.pending !== 0 || health.queue.processing !== 0)
        throw new Error(`still busy: ${JSON.stringify(health.queue)}`);
    },
    { what: 'an idle queue', timeoutMs, intervalMs: 50 },
  );
}

/** Kills (SIGKILL) every server of a test that is still running: the end of a test that kills on purpose. */
export function killAll(servers: MziServer[]): void {
  for (const server of servers) {
    if (server.process.exitCode === null && server.process.signalCode === null)
      server.process.kill('SIGKILL');
  }
}
