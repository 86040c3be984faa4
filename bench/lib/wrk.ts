import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuSecondsByName, cpuUsedBetween, machineBusySeconds, startCpuSampler } from './processes.js';

const SCRIPT = fileURLToPath(new URL('../deliveries.lua', import.meta.url));
const BURST_SCRIPT = fileURLToPath(new URL('../burst.lua', import.meta.url));

export interface WrkResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Non-2xx answers and socket errors. */
  errors: number;
  /** Times a wrk thread ran out of unique bodies and reused them (must be 0 for a valid mzi run). */
  wraps: number;
  /** CPU of wrk itself, in cores (of the 2 the machine has), over the run. */
  wrkCores: number;
  /** CPU of the server under test, in cores. */
  serverCores: number;
  /** CPU of all PostgreSQL processes meanwhile, in cores. */
  postgresCores: number;
  /** CPU of everything else on the machine meanwhile (other processes, the kernel), in cores. */
  otherCores: number;
}

/** Makes sure wrk is installed: installs the Debian package when running as root, otherwise says how. */
export function ensureWrk(): void {
  if (spawnSync('wrk', ['--version']).error === undefined) return;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && spawnSync('apt-get', ['--version']).error === undefined) {
    process.stdout.write('wrk is missing: installing the Debian package (apt-get install -y wrk)...\n');
    let result = spawnSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'inherit' });
    if (result.status !== 0) {
      spawnSync('apt-get', ['update'], { stdio: 'inherit' });
      result = spawnSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'inherit' });
    }
    if (result.status === 0) return;
  }
  throw new Error(
    'The benchmark needs wrk (the HTTP load generator). Install it with `sudo apt-get install -y wrk` (Debian/Ubuntu) ' +
      'or `brew install wrk`, then run `npm run bench` again.',
  );
}

/** What wrk sends, and where: the deliveries of bench/deliveries.lua. */
export interface WrkLoad {
  url: string;
  threads: number;
  connections: number;
  templatePath: string;
  signaturesPath: string;
  prefix: string;
}

/** Runs wrk against `url` with bench/deliveries.lua for `seconds`, sampling wrk's and the server's CPU. */
export async function runWrk(options: WrkLoad & { seconds: number; serverPid: number }): Promise<WrkResult> {
  const { child, output } = spawnWrk(SCRIPT, options);
  // Leave out wrk's first second (loading its signatures, opening connections): steady state only. The last
  // sample is taken as wrk exits, so at most one sampling interval (100 ms) of its run is missed.
  const skipMs = Math.min(1000, (options.seconds * 1000) / 4);
  const wrkCpu = startCpuSampler(child.pid as number, { skipMs });
  const serverCpu = startCpuSampler(options.serverPid, { skipMs });
  let machineStart: { at: number; busy: number; pg: Map<number, number> } | undefined;
  const machineTimer = setTimeout(() => {
    machineStart = { at: performance.now(), busy: machineBusySeconds(), pg: cpuSecondsByName('postgres') };
  }, skipMs);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(machineTimer);
  const machineEnd = { at: performance.now(), busy: machineBusySeconds(), pg: cpuSecondsByName('postgres') };
  const wrkUsage = wrkCpu.stop();
  const serverUsage = serverCpu.stop();
  const seconds = machineStart ? (machineEnd.at - machineStart.at) / 1000 : 0;
  const machineCores = machineStart && seconds > 0 ? (machineEnd.busy - machineStart.busy) / seconds : 0;
  const postgresCores =
    machineStart && seconds > 0 ? cpuUsedBetween(machineStart.pg, machineEnd.pg) / seconds : 0;
  const line = /BENCH_JSON (\{.*\})/.exec(output.text)?.[1];
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}):\n${output.text}`);
  const r = JSON.parse(line) as Record<string, number>;
  const num = (key: string) => r[key] ?? 0;
  return {
    requests: num('requests'),
    rps: num('requests') / (num('duration_us') / 1e6),
    p50Ms: num('p50_us') / 1000,
    p90Ms: num('p90_us') / 1000,
    p99Ms: num('p99_us') / 1000,
    maxMs: num('max_us') / 1000,
    errors:
      num('errors_connect') +
      num('errors_read') +
      num('errors_write') +
      num('errors_status') +
      num('errors_timeout'),
    wraps: num('wraps'),
    wrkCores: wrkUsage.cores,
    serverCores: serverUsage.cores,
    postgresCores,
    otherCores: Math.max(0, machineCores - wrkUsage.cores - serverUsage.cores - postgresCores),
  };
}

export interface WrkBurstResult {
  /** Deliveries mzi stored (each body is sent once, so each stored one was acknowledged or about to be). */
  stored: number;
  firstSentAt: number;
  /** When mzi was seen to hold the whole burst (polled every `pollMs`), or when the cap stopped it. */
  lastStoredAt: number;
  capped: boolean;
  /** CPU of wrk over the burst, in cores. */
  wrkCores: number;
}

/**
 * Sends each body of the signatures file once with wrk (bench/burst.lua), as fast as mzi answers: a Zoho
 * burst. wrk has no request count, so the burst ends when `stored()` (polled every `pollMs`) reaches `count`,
 * or at `capSeconds`; wrk is then stopped with SIGINT.
 */
export async function runWrkBurst(
  options: WrkLoad & { count: number; capSeconds: number; stored: () => Promise<number>; pollMs?: number },
): Promise<WrkBurstResult> {
  const firstSentAt = Date.now();
  const { child, output } = spawnWrk(BURST_SCRIPT, { ...options, seconds: options.capSeconds + 60 });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const wrkCpu = startCpuSampler(child.pid as number);
  let stored = 0;
  let capped = false;
  for (;;) {
    stored = await options.stored().catch(() => stored);
    if (stored >= options.count) break;
    if (Date.now() - firstSentAt >= options.capSeconds * 1000) {
      capped = true;
      break;
    }
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`wrk stopped before the burst was stored:\n${output.text}`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 20));
  }
  const lastStoredAt = Date.now();
  const wrkUsage = wrkCpu.stop();
  child.kill('SIGINT');
  await exited;
  return { stored, firstSentAt, lastStoredAt, capped, wrkCores: wrkUsage.cores };
}

function spawnWrk(script: string, options: WrkLoad & { seconds: number }) {
  const args = [
    '-t',
    String(options.threads),
    '-c',
    String(options.connections),
    '-d',
    `${options.seconds}s`,
    '--timeout',
    '10s',
    '-s',
    script,
    options.url,
    '--',
    options.templatePath,
    options.signaturesPath,
    options.prefix,
    String(options.threads),
  ];
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { text: '' };
  child.stdout.on('data', (chunk) => {
    output.text += String(chunk);
  });
  child.stderr.on('data', (chunk) => {
    output.text += String(chunk);
  });
  return { child, output };
}
