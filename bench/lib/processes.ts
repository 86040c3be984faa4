import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_SECRET } from './deliveries.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let mziRoot = ROOT;
/** Runs mzi from another folder (a built export of a git commit, see `--ref`) instead of this working tree. */
export function useMziFrom(folder: string): void {
  mziRoot = folder;
}
const mziBin = () => join(mziRoot, 'bin/mzi.js');
let nodeBin = process.execPath;
/** Runs mzi, the baseline and the SQLite floor on another Node.js binary (`--node`) than the benchmark's own. */
export function useNode(bin: string): void {
  nodeBin = bin;
}
const BASELINE = fileURLToPath(new URL('../baseline-server.mjs', import.meta.url));
const CLOCK_TICKS = 100; // USER_HZ on Linux

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

/** utime + stime of a process, in seconds, from /proc/<pid>/stat; undefined once it has exited. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** VmRSS and VmHWM (peak RSS) of a process, in MB, from /proc/<pid>/status. */
export function memoryMb(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * Samples a process's CPU time every `intervalMs` until stopped, from `skipMs` after the start (to leave out
 * start-up, e.g. wrk loading its signatures): CPU used between the first and the last sample.
 */
export function startCpuSampler(pid: number, options: { intervalMs?: number; skipMs?: number } = {}) {
  let first: { at: number; cpu: number } | undefined;
  let last: { at: number; cpu: number } | undefined;
  const take = () => {
    const cpu = cpuSeconds(pid);
    if (cpu === undefined) return;
    last = { at: performance.now(), cpu };
    first ??= last;
  };
  let timer: NodeJS.Timeout | undefined;
  const delay = setTimeout(() => {
    take();
    timer = setInterval(take, options.intervalMs ?? 100);
  }, options.skipMs ?? 0);
  return {
    /** Cores used over the sampled interval (1 = one full core). */
    stop(): { cores: number; cpuSeconds: number; wallSeconds: number } {
      clearTimeout(delay);
      if (timer) clearInterval(timer);
      take();
      if (!first || !last) return { cores: 0, cpuSeconds: 0, wallSeconds: 0 };
      const wallSeconds = (last.at - first.at) / 1000;
      const used = last.cpu - first.cpu;
      return { cores: wallSeconds > 0 ? used / wallSeconds : 0, cpuSeconds: used, wallSeconds };
    },
  };
}

/** Busy CPU time of the whole machine (all cores), in seconds, from /proc/stat. */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] as string;
  const [, ...values] = line.trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number) as number[];
  void idle;
  void iowait;
  return (
    ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / CLOCK_TICKS
  );
}

/** CPU seconds of every process named `comm` (e.g. all PostgreSQL backends), by pid, from /proc. */
export function cpuSecondsByName(comm: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== comm) continue;
    } catch {
      continue;
    }
    const cpu = cpuSeconds(Number(entry));
    if (cpu !== undefined) out.set(Number(entry), cpu);
  }
  return out;
}

/**
 * CPU used between two `cpuSecondsByName` snapshots: per pid, so a process that exits in between (an idle pool
 * connection closing) does not make the total go backwards. New processes count from zero; the last moments of
 * one that exited are lost.
 */
export function cpuUsedBetween(before: Map<number, number>, after: Map<number, number>): number {
  let used = 0;
  for (const [pid, cpu] of after) used += cpu - (before.get(pid) ?? 0);
  return used;
}

export interface ServerProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  baseUrl: string;
  /** Highest VmHWM seen (read just before the process stops, too). */
  peakRssMb(): number;
  /** Set when the process ended without `stop()` (a crash, or a signal from elsewhere): its measures are void. */
  unexpectedExit(): string | undefined;
  stop(): Promise<void>;
}

async function waitFor(check: () => Promise<boolean>, child: ChildProcess, what: string, logPath: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`${what} exited with code ${child.exitCode}; see ${logPath}`);
    }
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${what} did not start within 30 s; see ${logPath}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function track(name: string, child: ChildProcess, baseUrl: string): ServerProcess {
  const pid = child.pid as number;
  let peak = 0;
  const sample = () => {
    const mem = memoryMb(pid);
    if (mem && mem.hwm > peak) peak = mem.hwm;
  };
  const timer = setInterval(sample, 500);
  timer.unref();
  let stopping = false;
  let unexpected: string | undefined;
  child.once('exit', (code, signal) => {
    if (!stopping) unexpected = `${name} exited unexpectedly (${signal ?? `exit code ${code}`})`;
  });
  return {
    name,
    child,
    pid,
    baseUrl,
    peakRssMb() {
      sample();
      return peak;
    },
    unexpectedExit: () => unexpected,
    async stop() {
      stopping = true;
      sample();
      clearInterval(timer);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/**
 * The Node options and environment defaults of `npm start` (package.json:
 * `NAME=${NAME:-value} … node <options> bin/mzi.js serve`), so mzi runs as it starts there.
 */
export function startSettings(start: string): { nodeOptions: string[]; env: Record<string, string> } {
  const match = /^((?:[A-Z_]+=\$\{[A-Z_]+:-[^}]*\} )*)node((?: --\S+)*) bin\/mzi\.js serve$/.exec(start);
  if (!match) throw new Error(`unexpected start script in package.json: ${start}`);
  const env: Record<string, string> = {};
  for (const [, name, value] of (match[1] ?? '').matchAll(/([A-Z_]+)=\$\{[A-Z_]+:-([^}]*)\}/g))
    env[name as string] = value as string;
  return { nodeOptions: (match[2] ?? '').trim().split(' ').filter(Boolean), env };
}

function npmStartSettings(): ReturnType<typeof startSettings> {
  const pkg = JSON.parse(readFileSync(join(mziRoot, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  return startSettings(pkg.scripts.start);
}

/**
 * Starts `node bin/mzi.js serve` with the Node options of `npm start` (role all: API and worker in one
 * process, the default) with its logs going to a file, as in production, and waits until health answers.
 */
export async function startMzi(options: {
  name: string;
  databaseUrl: string;
  logPath: string;
  env?: Record<string, string>;
  nodeArgs?: string[];
}): Promise<ServerProcess> {
  const port = await freePort();
  const log = openSync(options.logPath, 'a');
  const start = npmStartSettings();
  const child = spawn(nodeBin, [...start.nodeOptions, ...(options.nodeArgs ?? []), mziBin(), 'serve'], {
    cwd: mziRoot,
    env: {
      ...start.env,
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: options.databaseUrl,
      ZOHO_WEBHOOK_SECRET: BENCH_SECRET,
      LOG_LEVEL: 'info',
      ...options.env,
    },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => (await fetch(`${baseUrl}/api/v1/events/health`)).ok,
    child,
    options.name,
    options.logPath,
  );
  return track(options.name, child, baseUrl);
}

/** Starts the bare node:http receiver (bench/baseline-server.mjs). */
export async function startBaseline(logPath: string): Promise<ServerProcess> {
  const port = await freePort();
  const log = openSync(logPath, 'a');
  const child = spawn(nodeBin, [BASELINE, String(port)], { cwd: ROOT, stdio: ['ignore', log, log] });
  closeSync(log);
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => (await fetch(baseUrl, { method: 'POST', body: '{}' })).ok,
    child,
    'baseline server',
    logPath,
  );
  return track('baseline', child, baseUrl);
}

/**
 * Runs bench/sqlite-floor.mjs (the SQL of each event without mzi's JavaScript) for `seconds` on `databasePath`, a
 * database migrated by mzi, from mzi's folder (its better-sqlite3 and build).
 */
export async function runSqliteFloor(options: {
  databasePath: string;
  seconds: number;
  templatePath: string;
  /** Only the intake's statements (a bare group-commit appender of mzi's rows). */
  intakeOnly?: boolean;
}): Promise<{ events: number; seconds: number; eventsPerSecond: number; cores: number }> {
  const script = fileURLToPath(new URL('../sqlite-floor.mjs', import.meta.url));
  const args = [script, options.databasePath, String(options.seconds), options.templatePath];
  const output = await runToEnd('the SQLite floor', [...args, ...(options.intakeOnly ? ['intake'] : [])]);
  return JSON.parse(output.trim().split('\n').at(-1) ?? '') as {
    events: number;
    seconds: number;
    eventsPerSecond: number;
    cores: number;
  };
}

/** Runs `node bin/mzi.js <args>` to completion (e.g. `migrate`). */
export function runMziCommand(args: string[], env: Record<string, string>): Promise<string> {
  return runToEnd(`mzi ${args.join(' ')}`, [mziBin(), ...args], {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    ...env,
  });
}

/** Runs `node <args>` in mzi's folder to completion; its output (stdout and stderr), or an error quoting it. */
async function runToEnd(name: string, args: string[], env?: Record<string, string>): Promise<string> {
  const child = spawn(nodeBin, args, {
    cwd: mziRoot,
    ...(env ? { env } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`${name} failed (${code}):\n${output}`);
  return output;
}
