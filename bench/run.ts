// `npm run bench [-- --quick]`: ingest, end-to-end, memory and stats benchmarks of mzi on this machine,
// against a bare Node receiver. Prints a table and writes bench/results/<date>.json. See bench/README.md.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startFakeMoodle } from '../test/helpers/fake-moodle.js';
import {
  bulkLoadEvents,
  createPgDatabase,
  dropPgDatabase,
  PG_ADMIN_URL,
  pgVersion,
  readEventRow,
  summarizeLog,
} from './lib/databases.js';
import { bodyFor, deliveryId, loadTemplate, signBody, writeSignatures } from './lib/deliveries.js';
import { findNode, prepareForNode } from './lib/other-node.js';
import {
  machineBusySeconds,
  memoryMb,
  ROOT,
  runMziCommand,
  runSqliteFloor,
  type ServerProcess,
  startBaseline,
  startMzi,
  useMziFrom,
  useNode,
} from './lib/processes.js';
import {
  formatProfile,
  formatSqlTimes,
  type ProfileSummary,
  profilesByThread,
  type SqlTimesSummary,
  summarizeProfile,
  summarizeSqlTimes,
} from './lib/profile.js';
import { fmt, markdownTable, median, round, verdict } from './lib/report.js';
import { schoolClass, sendAll } from './lib/school.js';
import { ensureWrk, runWrk, runWrkBurst, type WrkBurstResult, type WrkResult } from './lib/wrk.js';

const WEBHOOK = '/api/v1/events/zoho/student';
const TARGETS = {
  sqliteIngestRatio: 0.35,
  sqliteIngestP99Ms: 25,
  pgIngestRatio: 0.2,
  e2eSqliteEventsPerSecond: 3000,
  e2eMoodleEventsPerSecond: 150,
  classEnrolmentSeconds: 60,
  rssMb: 200,
  statsMs: 50,
};

// ---------------------------------------------------------------------------------------------- options
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    burst: { type: 'string' },
    rows: { type: 'string' },
    'no-pg': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    only: { type: 'string' },
    ref: { type: 'string' },
    node: { type: 'string' },
    'mzi-env': { type: 'string', multiple: true },
    help: { type: 'boolean', default: false },
    soak: { type: 'boolean', default: false },
    minutes: { type: 'string' },
    rate: { type: 'string' },
  },
});
if (flags.soak) {
  const { runSoak } = await import('./soak.js');
  const ok = await runSoak({ minutes: Number(flags.minutes ?? 10), rate: Number(flags.rate ?? 200) });
  process.exit(ok ? 0 : 1);
}
if (flags.help) {
  process.stdout.write(
    'npm run bench -- [--quick] [--rounds N] [--seconds S] [--warmup S] [--burst N] [--rows N] [--no-pg]\n' +
      '                 [--only ingest,e2e,class,stats] [--mzi-env KEY=VALUE ...] [--ref GIT_REF] [--node PATH]\n' +
      '                 [--profile] [--keep]\n' +
      'npm run bench -- --soak [--minutes 10] [--rate 200]\n' +
      'See bench/README.md.\n',
  );
  process.exit(0);
}
const quick = flags.quick === true;
const num = (value: string | undefined, fallback: number) => (value === undefined ? fallback : Number(value));
const settings = {
  mode: quick ? 'quick' : 'full',
  rounds: num(flags.rounds, quick ? 1 : 3),
  roundSeconds: num(flags.seconds, quick ? 3 : 10),
  warmupSeconds: num(flags.warmup, quick ? 2 : 5),
  connections: 32,
  wrkThreads: 2,
  burst: num(flags.burst, quick ? 2000 : 20_000),
  moodleDelayMs: 20,
  /** The class phase (issue 17): its size, and how long the fake Moodle takes to answer each call. */
  classSize: 200,
  classMoodleDelayMs: 50,
  logRows: num(flags.rows, quick ? 100_000 : 1_000_000),
  statsCalls: quick ? 10 : 20,
  profile: flags.profile === true,
  only: (flags.only ?? 'ingest,e2e,class,stats').split(',').map((x) => x.trim()),
  /** Extra settings for every mzi process (e.g. WORKER_CONCURRENCY=16), recorded with the results. */
  mziEnv: Object.fromEntries(
    (flags['mzi-env'] ?? []).map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`--mzi-env wants KEY=VALUE, got "${pair}"`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  ) as Record<string, string>,
};
// Bursts that cannot meet their target are stopped once the target is out of reach (burst / target, +10 %)
// or after a floor, so the run stays bounded; the rate is then completed events / elapsed time.
const capSeconds = (target: number, floor: number) =>
  Math.max(floor, Math.ceil((settings.burst / target) * 1.1));

// ---------------------------------------------------------------------------------------------- setup
const startedAt = new Date();
const date = startedAt.toISOString().slice(0, 10);
const work = mkdtempSync(join(tmpdir(), 'mzi-bench-'));
const logs = join(work, 'logs');
/** The student delivery with "{N}" where each delivery has its own id (bench/lib/deliveries.ts). */
const TEMPLATE = loadTemplate(join(ROOT, 'test/fixtures/zoho/student-custom.json'));
const templatePath = join(work, 'template.json');
/** The bodies of the end-to-end bursts, signed once for every case (each case has a database of its own). */
const BURST_SIGNATURES = join(work, 'sigs-burst.txt');
mkdirSync(logs);
const profiles = join(work, 'profiles');
if (settings.profile) mkdirSync(profiles);
const running = new Set<ServerProcess>();
const pgDatabases = new Set<string>();
const notes: string[] = [];
const say = (line: string) => process.stdout.write(`${line}\n`);

let cleaningUp: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaningUp ??= (async () => {
    for (const server of running) await server.stop().catch(() => {});
    for (const name of pgDatabases) await dropPgDatabase(name).catch(() => {});
  })();
  return cleaningUp;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    say(`\n${signal}: stopping servers and dropping the benchmark databases...`);
    void cleanup().finally(() => process.exit(130));
  });
}

function ensureBuild(): void {
  const entry = join(ROOT, 'dist/cli/main.js');
  const stamp = [join(ROOT, 'dist/.tsbuildinfo'), entry].find((p) => existsSync(p));
  const newestSource = newestMtime(join(ROOT, 'src'));
  if (stamp && existsSync(entry) && statSync(stamp).mtimeMs >= newestSource) return;
  say(existsSync(entry) ? 'dist/ is older than src/: npm run build' : 'dist/ is missing: npm run build');
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build failed');
}

/**
 * `--ref`: benchmark a commit rather than the working tree (which may hold someone's half-done change). The
 * commit is exported with `git archive` into the temporary folder, given this checkout's node_modules, and built.
 */
function exportAndBuild(ref: string): string {
  if (!/^[\w./@^~-]+$/.test(ref)) throw new Error(`--ref: not a git ref: ${ref}`);
  const sha = git(['rev-parse', '--verify', `${ref}^{commit}`]);
  if (!sha) throw new Error(`--ref: unknown commit ${ref}`);
  const folder = join(work, `mzi-${sha.slice(0, 12)}`);
  mkdirSync(folder);
  const exported = spawnSync('sh', ['-c', `git archive --format=tar ${sha} | tar -x -C "${folder}"`], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (exported.status !== 0) throw new Error(`--ref: git archive ${sha} failed`);
  symlinkSync(join(ROOT, 'node_modules'), join(folder, 'node_modules'), 'dir');
  say(`building mzi ${sha.slice(0, 12)} in ${folder}`);
  const built = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: folder,
      stdio: 'inherit',
    },
  );
  if (built.status !== 0) throw new Error(`--ref: building ${sha} failed`);
  useMziFrom(folder);
  return sha;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function git(args: string[]): string {
  const result = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : '';
}

async function health(server: ServerProcess): Promise<{ pending: number; processing: number }> {
  const response = await fetch(`${server.baseUrl}/api/v1/events/health`);
  const body = (await response.json()) as { queue?: { pending: number; processing: number } };
  return body.queue ?? { pending: Number.NaN, processing: Number.NaN };
}

async function stats(server: ServerProcess): Promise<{ total_events: number }> {
  const response = await fetch(`${server.baseUrl}/api/v1/events/stats`);
  return (await response.json()) as { total_events: number };
}

/** Polls health until the queue is empty (pending + processing = 0); returns seconds waited, or undefined at the cap. */
async function waitIdle(server: ServerProcess, capSec: number, everyMs = 100): Promise<number | undefined> {
  const start = performance.now();
  for (;;) {
    const queue = await health(server).catch(() => undefined);
    if (queue && queue.pending + queue.processing === 0) return (performance.now() - start) / 1000;
    if (performance.now() - start > capSec * 1000) return undefined;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * The machine is shared: before a measurement, wait (up to `maxSec`) until it is quiet — less than a third of
 * a core busy over one second — and report how busy it was, so a disturbed measurement can be recognised.
 */
async function waitQuiet(maxSec = 15): Promise<{ waitedSeconds: number; busyCores: number }> {
  const start = performance.now();
  for (;;) {
    const before = machineBusySeconds();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const busyCores = machineBusySeconds() - before;
    const waitedSeconds = (performance.now() - start) / 1000;
    if (busyCores < 0.33 || waitedSeconds >= maxSec) return { waitedSeconds, busyCores };
  }
}

const SQL_TIMER = join(ROOT, 'bench/lib/sqlite-statement-timer.mjs');

async function launchMzi(name: string, databaseUrl: string, env: Record<string, string> = {}) {
  // --profile: a V8 CPU profile of every mzi, and on SQLite the time of each SQL statement (preloaded timer).
  const nodeArgs: string[] = [];
  const extraEnv: Record<string, string> = {};
  if (settings.profile) {
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${join(profiles, name)}`);
    if (databaseUrl.startsWith('sqlite:')) {
      nodeArgs.push('--import', pathToFileURL(SQL_TIMER).href);
      extraEnv.BENCH_SQL_TIMES = join(profiles, `${name}.sql.json`);
    }
  }
  const server = await startMzi({
    name,
    databaseUrl,
    logPath: join(logs, `${name}.log`),
    env: { ...env, ...settings.mziEnv, ...extraEnv },
    nodeArgs,
  });
  running.add(server);
  return server;
}

/** A measurement of a server that died mid-way is void: stop the run and say so. */
function assertAlive(server: ServerProcess): void {
  const why = server.unexpectedExit();
  if (why) throw new Error(`${why}; its measurements are void. Log: ${join(logs, `${server.name}.log`)}`);
}

const profileSummaries: Record<string, ProfileSummary> = {};
const sqlSummaries: Record<string, SqlTimesSummary> = {};
async function stopServer(server: ServerProcess): Promise<number> {
  const peak = server.peakRssMb();
  await server.stop();
  running.delete(server);
  const dir = join(profiles, server.name);
  if (settings.profile && existsSync(dir)) {
    for (const { thread, file } of profilesByThread(dir)) {
      const label =
        thread === 0 ? `${server.name} main thread` : `${server.name} thread ${thread} (log writer)`;
      profileSummaries[label] = summarizeProfile(file, 20);
    }
  }
  const sqlTimes = join(profiles, `${server.name}.sql.json`);
  if (settings.profile && existsSync(sqlTimes)) sqlSummaries[server.name] = summarizeSqlTimes(sqlTimes, 8);
  return peak;
}

async function newDatabase(kind: 'sqlite' | 'pg', label: string): Promise<string> {
  if (kind === 'sqlite') return `sqlite:${join(work, `${label}.sqlite`)}`;
  const name = `mzi_bench_${label}_${process.pid}`;
  pgDatabases.add(name);
  return createPgDatabase(name);
}

async function dropDatabase(url: string): Promise<void> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    return;
  }
  const name = new URL(url).pathname.slice(1);
  await dropPgDatabase(name);
  pgDatabases.delete(name);
}

// ---------------------------------------------------------------------------------------------- phases
interface IngestRun extends WrkResult {
  round: number;
  drainSeconds?: number | undefined;
  /** Cores busy on the machine just before the run (ideally ~0). */
  busyBefore: number;
}

type Target = 'baseline' | 'sqlite' | 'pg';

async function ingestPhase(templatePath: string, withPg: boolean) {
  say(
    `\n== Ingest: ${settings.rounds} interleaved round(s) of ${settings.roundSeconds} s, concurrency ${settings.connections}, after a ${settings.warmupSeconds} s warm-up`,
  );
  const servers: Partial<Record<Target, ServerProcess>> = {};
  const urls: Partial<Record<Target, string>> = {};
  servers.baseline = await startBaseline(join(logs, 'baseline.log'));
  running.add(servers.baseline);
  urls.sqlite = await newDatabase('sqlite', 'ingest');
  servers.sqlite = await launchMzi('ingest-sqlite', urls.sqlite);
  if (withPg) {
    urls.pg = await newDatabase('pg', 'ingest');
    servers.pg = await launchMzi('ingest-pg', urls.pg);
  }
  const targets = (['baseline', 'sqlite', 'pg'] as const).filter((t) => servers[t]);
  const run = async (target: Target, prefix: string, signatures: string, seconds: number) => {
    const server = servers[target] as ServerProcess;
    const quiet = await waitQuiet();
    const result = await runWrk({
      url: `${server.baseUrl}${WEBHOOK}`,
      seconds,
      threads: settings.wrkThreads,
      connections: settings.connections,
      templatePath,
      signaturesPath: signatures,
      prefix,
      serverPid: server.pid,
    });
    assertAlive(server);
    // The next measurement starts with an empty queue, so a backlog left by one run does not slow the next.
    const drainSeconds = target === 'baseline' ? undefined : await waitIdle(server, 300);
    return { ...result, drainSeconds, busyBefore: quiet.busyCores };
  };

  // Warm-up (JIT, connection pools, page cache), also used to size the pools of unique bodies.
  const warmSigs = join(work, 'sigs-100.txt');
  writeSignatures(warmSigs, TEMPLATE, '100', 40_000 * settings.warmupSeconds);
  let fastestMzi = 0;
  for (const target of targets) {
    const warm = await run(target, '100', warmSigs, settings.warmupSeconds);
    say(`  warm-up ${target.padEnd(8)} ${fmt(warm.rps)} req/s`);
    if (target !== 'baseline') fastestMzi = Math.max(fastestMzi, warm.rps);
  }
  // Unique bodies per round: 3x the fastest warm-up rate (and at least 5,000/s), shared by the databases.
  const perRound = Math.ceil(Math.max(5000, fastestMzi * 3) * settings.roundSeconds);

  // The SQLite floor (bench/sqlite-floor.mjs): the statements of each event without mzi, on a database of its own
  // that grows over the rounds as mzi's does.
  const floorUrl = await newDatabase('sqlite', 'floor');
  await runMziCommand(['migrate'], { DATABASE_URL: floorUrl });
  const intakeFloorUrl = await newDatabase('sqlite', 'floor-intake');
  await runMziCommand(['migrate'], { DATABASE_URL: intakeFloorUrl });
  const floorRuns: FloorRun[] = [];
  const intakeFloorRuns: FloorRun[] = [];

  const runs: Record<Target, IngestRun[]> = { baseline: [], sqlite: [], pg: [] };
  for (let r = 1; r <= settings.rounds; r++) {
    const prefix = String(100 + r);
    const sigs = join(work, `sigs-${prefix}.txt`);
    writeSignatures(sigs, TEMPLATE, prefix, perRound);
    for (const target of targets) {
      const result = await run(target, prefix, sigs, settings.roundSeconds);
      runs[target].push({ ...result, round: r });
      say(
        `  round ${r} ${target.padEnd(8)} ${fmt(result.rps).padStart(7)} req/s  p50 ${fmt(result.p50Ms, 1)} ms  p99 ${fmt(result.p99Ms, 1)} ms  errors ${result.errors}  wrk ${fmt(result.wrkCores * 100)} % of a core  server ${fmt(result.serverCores * 100)} %${target === 'pg' ? `  postgres ${fmt(result.postgresCores * 100)} %` : ''}  other ${fmt(result.otherCores * 100)} %${result.drainSeconds !== undefined ? `  drained in ${fmt(result.drainSeconds, 1)} s` : ''}`,
      );
      if (target !== 'baseline' && result.wraps > 0) {
        notes.push(
          `${target} round ${r}: wrk reused bodies (${result.wraps} wraps): that round's duplicates skew it.`,
        );
      }
    }
    await waitQuiet();
    const floor = await runSqliteFloor({
      databasePath: floorUrl.slice('sqlite:'.length),
      seconds: settings.roundSeconds,
      templatePath,
    });
    floorRuns.push({ ...floor, round: r });
    say(
      `  round ${r} ${'floor'.padEnd(8)} ${fmt(floor.eventsPerSecond).padStart(7)} events/s  (SQLite statements of each event, without mzi; ${fmt(floor.cores * 100)} % of a core)`,
    );
    await waitQuiet();
    const intakeFloor = await runSqliteFloor({
      databasePath: intakeFloorUrl.slice('sqlite:'.length),
      seconds: settings.roundSeconds,
      templatePath,
      intakeOnly: true,
    });
    intakeFloorRuns.push({ ...intakeFloor, round: r });
    say(
      `  round ${r} ${'floor-in'.padEnd(8)} ${fmt(intakeFloor.eventsPerSecond).padStart(7)} events/s  (the intake's statements alone; ${fmt(intakeFloor.cores * 100)} % of a core)`,
    );
  }
  await dropDatabase(floorUrl);
  await dropDatabase(intakeFloorUrl);
  const peaks: Partial<Record<Target, number>> = {};
  for (const target of targets) {
    const server = servers[target] as ServerProcess;
    if (target === 'baseline') {
      await server.stop();
      running.delete(server);
    } else peaks[target] = await stopServer(server);
  }
  if (urls.sqlite) await dropDatabase(urls.sqlite);
  if (urls.pg) await dropDatabase(urls.pg);

  const summarize = (list: IngestRun[]) => ({
    rps: median(list.map((x) => x.rps)),
    p50Ms: median(list.map((x) => x.p50Ms)),
    p99Ms: median(list.map((x) => x.p99Ms)),
    wrkCores: median(list.map((x) => x.wrkCores)),
    serverCores: median(list.map((x) => x.serverCores)),
    postgresCores: median(list.map((x) => x.postgresCores)),
    otherCores: median(list.map((x) => x.otherCores)),
    errors: list.reduce((sum, x) => sum + x.errors, 0),
    rounds: list,
  });
  return {
    baseline: summarize(runs.baseline),
    sqlite: summarize(runs.sqlite),
    pg: withPg ? summarize(runs.pg) : undefined,
    sqliteFloor: {
      eventsPerSecond: median(floorRuns.map((x) => x.eventsPerSecond)),
      cores: median(floorRuns.map((x) => x.cores)),
      rounds: floorRuns,
    },
    sqliteIntakeFloor: {
      eventsPerSecond: median(intakeFloorRuns.map((x) => x.eventsPerSecond)),
      cores: median(intakeFloorRuns.map((x) => x.cores)),
      rounds: intakeFloorRuns,
    },
    peakRssMb: peaks,
  };
}

interface FloorRun {
  round: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  cores: number;
}

interface E2eResult {
  label: string;
  burst: number;
  send: WrkBurstResult;
  /** Deliveries stored per second, from the first sent to the last seen stored. */
  sendRps: number;
  completed: number;
  failed: number;
  seconds: number;
  eventsPerSecond: number;
  capped: boolean;
  capSeconds: number;
  peakRssMb: number;
  byStatus: Record<string, number>;
  moodle?: { delayMs: number; calls: Record<string, number>; callsPerEvent: number; maxInFlight: number };
}

async function e2ePhase(
  label: string,
  kind: 'sqlite' | 'pg',
  capSec: number,
  env: Record<string, string> = {},
): Promise<E2eResult> {
  const url = await newDatabase(kind, label.replace(/[^a-z0-9]/g, '_'));
  const server = await launchMzi(`e2e-${label}`, url, env);
  await waitQuiet();
  // Sent by wrk, as the ingest rounds are: a Node sender in this process costs several times wrk's CPU per
  // delivery, on the two cores that mzi uses (docs/PERFORMANCE.md#bursts-sent-by-wrk).
  const send = await runWrkBurst({
    url: `${server.baseUrl}${WEBHOOK}`,
    count: settings.burst,
    threads: settings.wrkThreads,
    connections: settings.connections,
    templatePath,
    signaturesPath: BURST_SIGNATURES,
    prefix: '200',
    capSeconds: capSec,
    stored: async () => (await stats(server)).total_events,
  });
  const remaining = capSec - (Date.now() - send.firstSentAt) / 1000;
  const waited = !send.capped && remaining > 0 ? await waitIdle(server, remaining, 100) : undefined;
  const capped = waited === undefined;
  const cappedAt = Date.now();
  assertAlive(server);
  // Read the log while mzi still runs: a capped run counts what was finished at the cap.
  const log = await summarizeLog(url);
  const peakRssMb = await stopServer(server);
  await dropDatabase(url);
  const finished = (log.byStatus.completed ?? 0) + (log.byStatus.failed ?? 0);
  // Exact end: the last processed_at written by mzi (same clock as ours); capped runs end at the cap.
  const end = capped || !log.lastProcessedAt ? cappedAt : Date.parse(log.lastProcessedAt);
  const seconds = (end - send.firstSentAt) / 1000;
  const result: E2eResult = {
    label,
    burst: settings.burst,
    send,
    sendRps: send.stored / ((send.lastStoredAt - send.firstSentAt) / 1000),
    completed: log.byStatus.completed ?? 0,
    failed: log.byStatus.failed ?? 0,
    seconds,
    eventsPerSecond: finished / seconds,
    capped,
    capSeconds: capSec,
    peakRssMb,
    byStatus: log.byStatus,
  };
  const missing = settings.burst - send.stored;
  say(
    `  ${label.padEnd(16)} ${fmt(result.eventsPerSecond)} events/s  (${fmt(finished)} of ${fmt(settings.burst)} finished in ${fmt(seconds, 1)} s${capped ? `, stopped at the ${capSec} s cap with ${fmt(send.stored)} stored` : ''}; burst stored at ${fmt(result.sendRps)} deliveries/s; wrk ${fmt(send.wrkCores * 100)} % of a core)`,
  );
  if (missing > 0 && !send.capped)
    notes.push(`${label}: ${missing} deliveries of the burst were not stored.`);
  if (result.failed > 0) notes.push(`${label}: ${result.failed} events ended failed.`);
  return result;
}

interface ClassResult {
  size: number;
  moodleDelayMs: number;
  /** From the first enrollment sent to the last event processed. */
  seconds: number;
  byStatus: Record<string, number>;
  enrolCalls: number;
  moodleCalls: number;
  maxInFlight: number;
  peakRssMb: number;
}

/**
 * A class of `classSize` enrollments (issue 17, item 7): its class and students are set up first, then the
 * enrollments are sent while the fake Moodle answers each call after `classMoodleDelayMs`; timed from the first
 * enrollment sent to the last event processed.
 */
async function classPhase(): Promise<ClassResult> {
  const moodle = await startFakeMoodle();
  const url = await newDatabase('sqlite', 'class');
  const server = await launchMzi('class-sqlite', url, {
    MOODLE_URL: moodle.url,
    MOODLE_TOKEN: moodle.token,
    MOODLE_DEFAULT_CATEGORY_ID: '1',
  });
  try {
    const school = schoolClass('9', settings.classSize);
    await sendAll(server.baseUrl, 'class', [school.klass]);
    await sendAll(server.baseUrl, 'student', school.students);
    if ((await waitIdle(server, 120)) === undefined)
      throw new Error('the class and its students did not finish');
    moodle.setDelay(settings.classMoodleDelayMs);
    moodle.requests.splice(0);
    await waitQuiet();
    const started = Date.now();
    await sendAll(server.baseUrl, 'enrollment', school.enrollments);
    const waited = await waitIdle(server, 300, 50);
    assertAlive(server);
    const log = await summarizeLog(url);
    const end = waited === undefined || !log.lastProcessedAt ? Date.now() : Date.parse(log.lastProcessedAt);
    const calls = moodle.requests;
    const result: ClassResult = {
      size: settings.classSize,
      moodleDelayMs: settings.classMoodleDelayMs,
      seconds: (end - started) / 1000,
      byStatus: log.byStatus,
      enrolCalls: calls.filter((r) => r.wsfunction === 'enrol_manual_enrol_users').length,
      moodleCalls: calls.length,
      maxInFlight: moodle.maxInFlight,
      peakRssMb: server.peakRssMb(),
    };
    say(
      `  ${fmt(result.size)} enrollments finished in ${fmt(result.seconds, 1)} s (${JSON.stringify(result.byStatus)} in the log); ${fmt(result.enrolCalls)} enrol calls of ${fmt(result.moodleCalls)} Moodle calls, at most ${result.maxInFlight} in flight`,
    );
    const expected = settings.classSize * 2 + 1;
    if ((log.byStatus.completed ?? 0) !== expected)
      notes.push(`class: ${log.byStatus.completed ?? 0} events completed, expected ${expected}.`);
    return result;
  } finally {
    await stopServer(server);
    await dropDatabase(url);
    await moodle.close();
  }
}

async function statsPhase(kind: 'sqlite' | 'pg') {
  const url = await newDatabase(kind, 'stats');
  const server = await launchMzi(`stats-${kind}`, url);
  // One real delivery through HTTP and the worker: its row is the template of the bulk load.
  const body = bodyFor(TEMPLATE, '300', 0);
  const sent = await fetch(`${server.baseUrl}${WEBHOOK}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-zoho-signature': `sha256=${signBody(body)}` },
    body,
  });
  if (!sent.ok) throw new Error(`the template delivery was answered ${sent.status}: ${await sent.text()}`);
  await waitIdle(server, 30, 50);
  const templateId = deliveryId('300', 0);
  const row = await readEventRow(url, `5725767${templateId}`);
  const loadStart = performance.now();
  let lastShown = 0;
  await bulkLoadEvents({
    databaseUrl: url,
    template: row,
    templateId,
    prefix: '301',
    count: settings.logRows - 1,
    onProgress: (done) => {
      if (done - lastShown >= settings.logRows / 4) {
        lastShown = done;
        process.stdout.write(`  ${kind}: ${fmt(done + 1)} rows\n`);
      }
    },
  });
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const statsUrl = `${server.baseUrl}/api/v1/events/stats`;
  const timeOne = async () => {
    const t0 = performance.now();
    const response = await fetch(statsUrl);
    const body = (await response.json()) as { total_events: number; by_status: Record<string, number> };
    return { ms: performance.now() - t0, body };
  };
  await waitQuiet();
  const first = await timeOne();
  const times: number[] = [];
  for (let i = 0; i < settings.statsCalls; i++) times.push((await timeOne()).ms);
  assertAlive(server);
  const mem = memoryMb(server.pid);
  const peakRssMb = await stopServer(server);
  await dropDatabase(url);
  const result = {
    rows: first.body.total_events,
    byStatus: first.body.by_status,
    loadSeconds,
    firstMs: first.ms,
    medianMs: median(times),
    maxMs: Math.max(...times),
    calls: times,
    rssAfterMb: mem?.rss ?? Number.NaN,
    peakRssMb,
  };
  say(
    `  ${kind.padEnd(6)} ${fmt(result.rows)} events (bulk-loaded in ${fmt(loadSeconds, 1)} s): stats median ${fmt(result.medianMs, 1)} ms (first ${fmt(result.firstMs, 1)} ms, max ${fmt(result.maxMs, 1)} ms); mzi RSS ${fmt(result.rssAfterMb)} MB (peak ${fmt(peakRssMb)} MB)`,
  );
  if (result.rows !== settings.logRows)
    notes.push(`${kind}: stats counted ${result.rows} events, expected ${settings.logRows}.`);
  return result;
}

// ---------------------------------------------------------------------------------------------- main
async function main() {
  const refSha = flags.ref ? exportAndBuild(flags.ref) : undefined;
  if (!refSha) ensureBuild();
  const node = flags.node ? findNode(flags.node) : undefined;
  if (node) {
    // Another ABI needs its own build of the native SQLite driver; the same one runs from this checkout.
    if (node.abi !== process.versions.modules) {
      const folder = join(work, `node-${node.version}`);
      say(`preparing mzi for Node ${node.version} in ${folder}`);
      prepareForNode(node, refSha ? join(work, `mzi-${refSha.slice(0, 12)}`) : ROOT, folder);
      useMziFrom(folder);
    }
    useNode(node.bin);
  }
  ensureWrk();
  const pg = flags['no-pg'] ? undefined : await pgVersion();
  if (!pg && !flags['no-pg']) {
    notes.push(
      `PostgreSQL not reachable at ${new URL(PG_ADMIN_URL).host} (set BENCH_PG_URL): its parts were skipped.`,
    );
  }
  const wrkVersion = (spawnSync('wrk', ['--version'], { encoding: 'utf8' }).stdout || '')
    .split('\n')[0]
    ?.replace(/ Copyright.*/, '')
    .trim();
  const commit = refSha ? refSha.slice(0, 7) : git(['rev-parse', '--short', 'HEAD']);
  const dirty = refSha ? false : git(['status', '--porcelain', '--', 'src']) !== '';
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: node?.version ?? process.version,
    wrk: wrkVersion,
    postgres: pg ?? null,
    loadavgAtStart: loadavg().map((x) => round(x, 2)),
  };
  say(
    `mzi benchmark (${settings.mode}) on ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, ${wrkVersion}, PostgreSQL ${pg ?? 'skipped'}; mzi ${commit}${dirty ? ' + uncommitted src changes' : ''}; load average ${machine.loadavgAtStart.join(' ')}`,
  );
  if (Object.keys(settings.mziEnv).length > 0) say(`mzi settings: ${JSON.stringify(settings.mziEnv)}`);
  writeFileSync(templatePath, TEMPLATE);

  const ingest = settings.only.includes('ingest')
    ? await ingestPhase(templatePath, pg !== undefined)
    : undefined;

  const e2e: E2eResult[] = [];
  if (settings.only.includes('e2e')) {
    say(
      `\n== End to end: a burst of ${fmt(settings.burst)} deliveries at concurrency ${settings.connections} until every event is finished`,
    );
    writeSignatures(BURST_SIGNATURES, TEMPLATE, '200', settings.burst);
    e2e.push(await e2ePhase('sqlite', 'sqlite', capSeconds(TARGETS.e2eSqliteEventsPerSecond, 60)));
    if (pg) e2e.push(await e2ePhase('pg', 'pg', capSeconds(TARGETS.e2eSqliteEventsPerSecond, 60)));
    const moodle = await startFakeMoodle();
    moodle.setDelay(settings.moodleDelayMs);
    // The fake records every request: tally them by function and let them go, so its memory stays flat.
    const calls: Record<string, number> = {};
    const tally = () => {
      for (const r of moodle.requests.splice(0))
        calls[r.wsfunction ?? '?'] = (calls[r.wsfunction ?? '?'] ?? 0) + 1;
    };
    const trim = setInterval(tally, 1000);
    try {
      const result = await e2ePhase(
        'sqlite+moodle',
        'sqlite',
        capSeconds(TARGETS.e2eMoodleEventsPerSecond, 60),
        {
          MOODLE_URL: moodle.url,
          MOODLE_TOKEN: moodle.token,
        },
      );
      tally();
      const total = Object.values(calls).reduce((sum, n) => sum + n, 0);
      const finished = result.completed + result.failed;
      result.moodle = {
        delayMs: settings.moodleDelayMs,
        calls,
        callsPerEvent: finished > 0 ? round(total / finished, 2) : Number.NaN,
        maxInFlight: moodle.maxInFlight,
      };
      say(
        `  fake Moodle: ${fmt(result.moodle.callsPerEvent, 2)} calls per event (${Object.entries(calls)
          .map(([f, n]) => `${f} ${fmt(n)}`)
          .join(', ')}), at most ${moodle.maxInFlight} in flight`,
      );
      e2e.push(result);
    } finally {
      clearInterval(trim);
      await moodle.close();
    }
  }

  let klass: ClassResult | undefined;
  if (settings.only.includes('class')) {
    say(
      `\n== A class of ${fmt(settings.classSize)} enrollments, the fake Moodle answering every call after ${settings.classMoodleDelayMs} ms`,
    );
    klass = await classPhase();
  }

  const stats: Record<string, Awaited<ReturnType<typeof statsPhase>>> = {};
  if (settings.only.includes('stats')) {
    say(`\n== Stats at ${fmt(settings.logRows)} events in the log (bulk-loaded with SQL, not through HTTP)`);
    stats.sqlite = await statsPhase('sqlite');
    if (pg) stats.pg = await statsPhase('pg');
  }

  // ------------------------------------------------------------------------------------------ report
  const e2eOf = (label: string) => e2e.find((x) => x.label === label);
  const peaks = [
    ...Object.values(ingest?.peakRssMb ?? {}),
    ...e2e.map((x) => x.peakRssMb),
    ...(klass ? [klass.peakRssMb] : []),
    ...Object.values(stats).map((s) => s.peakRssMb),
  ];
  const peakRss = peaks.length > 0 ? Math.max(...peaks) : Number.NaN;
  const base = ingest?.baseline.rps ?? Number.NaN;
  const ratio = (rps: number) => rps / base;
  const checks = {
    sqliteIngest: ingest
      ? ratio(ingest.sqlite.rps) >= TARGETS.sqliteIngestRatio &&
        ingest.sqlite.p99Ms <= TARGETS.sqliteIngestP99Ms
      : undefined,
    pgIngest: ingest?.pg ? ratio(ingest.pg.rps) >= TARGETS.pgIngestRatio : undefined,
    e2eSqlite: e2eOf('sqlite')
      ? (e2eOf('sqlite')?.eventsPerSecond ?? 0) >= TARGETS.e2eSqliteEventsPerSecond
      : undefined,
    e2eMoodle: e2eOf('sqlite+moodle')
      ? (e2eOf('sqlite+moodle')?.eventsPerSecond ?? 0) >= TARGETS.e2eMoodleEventsPerSecond
      : undefined,
    classEnrolments: klass ? klass.seconds <= TARGETS.classEnrolmentSeconds : undefined,
    // "RSS ≤ 200 MB throughout" (issue 4): the peak of every mzi process of the run.
    peakRss: peaks.length > 0 ? peakRss <= TARGETS.rssMb : undefined,
    rssSqlite: stats.sqlite ? stats.sqlite.rssAfterMb <= TARGETS.rssMb : undefined,
    rssPg: stats.pg ? stats.pg.rssAfterMb <= TARGETS.rssMb : undefined,
    statsSqlite: stats.sqlite ? stats.sqlite.medianMs <= TARGETS.statsMs : undefined,
    statsPg: stats.pg ? stats.pg.medianMs <= TARGETS.statsMs : undefined,
  };
  const pct = (x: number) => `${fmt(x * 100)} %`;
  type IngestSummary = NonNullable<typeof ingest>['baseline'];
  const ingestRow = (name: string, s: IngestSummary, target: string, pass: boolean | undefined) => [
    name,
    `${fmt(s.rps)} req/s`,
    `${fmt(s.p50Ms, 1)} / ${fmt(s.p99Ms, 1)} ms`,
    name.startsWith('Baseline') ? '100 %' : pct(ratio(s.rps)),
    `${pct(s.serverCores)}${name.includes('PostgreSQL') ? ` + postgres ${pct(s.postgresCores)}` : ''}`,
    pct(s.wrkCores),
    pct(s.otherCores),
    target,
    verdict(pass),
  ];
  const dash = (n: number) => Array.from({ length: n }, () => '—');
  const rowsInfo = `${fmt(settings.logRows / 1e6, settings.logRows < 1e6 ? 1 : 0)} M`;
  const table = markdownTable(
    [
      'measure',
      'result',
      'p50 / p99',
      'of baseline',
      'mzi CPU (cores)',
      'wrk CPU',
      'other CPU',
      'target',
      '',
    ],
    [
      ...(ingest
        ? [
            ingestRow('Baseline: bare node:http', ingest.baseline, '—', undefined),
            ingestRow('Ingest, SQLite', ingest.sqlite, '≥ 35 %, p99 ≤ 25 ms', checks.sqliteIngest),
            ...(ingest.pg ? [ingestRow('Ingest, PostgreSQL', ingest.pg, '≥ 20 %', checks.pgIngest)] : []),
            ...(
              [
                ['SQLite floor: SQL of intake + worker', ingest.sqliteFloor],
                ['SQLite floor: SQL of intake alone', ingest.sqliteIntakeFloor],
              ] as const
            ).map(([name, floor]) => [
              name,
              `${fmt(floor.eventsPerSecond)} events/s`,
              '—',
              pct(ratio(floor.eventsPerSecond)),
              `${fmt(floor.cores * 100)} %`,
              '—',
              '—',
              '(bound)',
              '—',
            ]),
          ]
        : []),
      ...e2e.map((x) => [
        `End to end, ${x.label}`,
        `${fmt(x.eventsPerSecond)} events/s`,
        ...dash(5),
        x.label === 'sqlite' ? '≥ 3,000 events/s' : x.label === 'sqlite+moodle' ? '≥ 150 events/s' : '(info)',
        x.label === 'sqlite'
          ? verdict(checks.e2eSqlite)
          : x.label === 'sqlite+moodle'
            ? verdict(checks.e2eMoodle)
            : '—',
      ]),
      ...(klass
        ? [
            [
              `A class of ${fmt(klass.size)} enrollments, Moodle at ${klass.moodleDelayMs} ms`,
              `${fmt(klass.seconds, 1)} s`,
              `${fmt(klass.enrolCalls)} enrol calls`,
              ...dash(4),
              '≤ 60 s',
              verdict(checks.classEnrolments),
            ],
          ]
        : []),
      [
        'Peak RSS of mzi (any process)',
        `${fmt(peakRss)} MB`,
        ...dash(5),
        '≤ 200 MB',
        verdict(checks.peakRss),
      ],
      ...Object.entries(stats).flatMap(([kind, s]) => [
        [
          `RSS at ${rowsInfo} events, ${kind}`,
          `${fmt(s.rssAfterMb)} MB`,
          ...dash(5),
          '≤ 200 MB',
          verdict(kind === 'sqlite' ? checks.rssSqlite : checks.rssPg),
        ],
        [
          `Stats at ${rowsInfo} events, ${kind}`,
          `${fmt(s.medianMs, 1)} ms`,
          `max ${fmt(s.maxMs, 1)} ms`,
          ...dash(4),
          '≤ 50 ms',
          verdict(kind === 'sqlite' ? checks.statsSqlite : checks.statsPg),
        ],
      ]),
    ],
  );
  const argv = process.argv.slice(2);
  const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
  say(`\n== Results (${date}, \`${command}\`, medians of ${settings.rounds} round(s))\n`);
  say(table);
  const footer = [
    ingest
      ? `Ingest: unique signed deliveries (${settings.connections} connections, wrk ${settings.wrkThreads} threads), mzi with its worker running; CPU columns are cores used during the runs (the machine has ${machine.cpus}). SQLite floors: the SQL statements of each event (append with group commits of 32; claim, student upsert, completion, attempt), run by bench/sqlite-floor.mjs with better-sqlite3 and none of mzi's JavaScript: what one SQLite file does with mzi's schema here, a ceiling for mzi on SQLite; "intake alone" leaves the worker's statements out.`
      : '',
    e2e.length > 0
      ? `End to end: a burst of ${fmt(settings.burst)}, events finished (completed or failed) from the first delivery sent to the last processed_at.`
      : '',
    Object.keys(stats).length > 0
      ? `${rowsInfo} events were bulk-loaded with SQL (90 % completed, 5 % failed, 5 % duplicate), not sent through HTTP.`
      : '',
  ].filter(Boolean);
  say(`\n${footer.join('\n')}`);
  for (const note of notes) say(`note: ${note}`);
  for (const [label, summary] of Object.entries(profileSummaries)) say(`\n${formatProfile(label, summary)}`);
  for (const [name, sqlSummary] of Object.entries(sqlSummaries))
    say(`\n${name}: ${formatSqlTimes(sqlSummary).trim()}`);

  const results = {
    date,
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    command,
    mzi: { commit, uncommitted_src_changes: dirty },
    machine,
    settings,
    targets: TARGETS,
    checks,
    ingest,
    end_to_end: e2e,
    class_enrolments: klass,
    memory: { peak_rss_mb: peakRss, ingest_peak_rss_mb: ingest?.peakRssMb },
    stats,
    notes: [
      ...notes,
      `${settings.logRows} events were bulk-loaded with SQL (INSERT ... SELECT, same columns as mzi writes, copied from a real delivery), not through HTTP; PostgreSQL got VACUUM ANALYZE after the load.`,
    ],
    profiles: settings.profile ? { cpu: profileSummaries, sqlite_statements: sqlSummaries } : undefined,
    table,
  };
  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const partial =
    quick ||
    settings.only.length < 4 ||
    argv.some((a, i) => !['--profile', '--keep', '--ref'].includes(a) && argv[i - 1] !== '--ref');
  const out = join(resultsDir, `${date}${partial ? `-${quick ? 'quick' : 'custom'}` : ''}.json`);
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  say(`\nwrote ${out}`);
}

try {
  await main();
  await cleanup();
  if (flags.keep || settings.profile) say(`logs${settings.profile ? ' and profiles' : ''} kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
} catch (error) {
  await cleanup();
  process.stderr.write(`\nbenchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.stderr.write(`logs kept in ${logs}\n`);
  process.exitCode = 1;
}
