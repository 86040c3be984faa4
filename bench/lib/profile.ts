import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  /** Sampled time, ms (idle included). */
  totalMs: number;
  /** Share of non-idle time spent in each function itself (self time), biggest first. */
  topFunctions: { name: string; where: string; selfPct: number }[];
  /** Share of non-idle time by where the code lives (self time). */
  byArea: { area: string; pct: number }[];
  /** Share of non-idle time spent inside each function or anything it called (inclusive), for named mzi functions. */
  inclusive: { name: string; where: string; pct: number }[];
  /**
   * Share of non-idle time by owner: native and Node-core time is charged to the nearest package (or mzi folder)
   * on the stack that called it, and SQLite's native work is split into statement preparation and execution.
   */
  byOwner: { owner: string; pct: number }[];
  idlePct: number;
}

const PSEUDO = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

function area(url: string, name: string): string {
  if (name === '(garbage collector)') return 'garbage collector';
  if (name === '(program)') return 'V8/native (program)';
  if (url === '') return name.startsWith('(') ? name : 'native';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1] as string;
  const dist = /\/dist\/([^/]+)\//.exec(url);
  if (dist) return `mzi ${dist[1]}`;
  if (url.startsWith('node:')) return `node core (${url.slice(5).split('/')[0]})`;
  return url;
}

function owner(byId: Map<number, ProfileNode>, parent: Map<number, number>, leaf: number): string {
  const leafFrame = (byId.get(leaf) as ProfileNode).callFrame;
  if (leafFrame.functionName === '(garbage collector)') return 'garbage collector';
  if (leafFrame.functionName === '(program)') return 'V8/native (program)';
  for (let cur: number | undefined = leaf; cur !== undefined; cur = parent.get(cur)) {
    const { url, functionName } = (byId.get(cur) as ProfileNode).callFrame;
    if (url === '' || url.startsWith('node:')) continue;
    if (url.includes('better-sqlite3/') && functionName === 'prepare') return 'SQLite: prepare statements';
    // The benchmark's statement timer (--profile) wraps better-sqlite3's run/all/get: its self time is SQLite's.
    if (url.includes('sqlite-statement-timer')) return 'SQLite: run statements (native)';
    if (url.includes('dialect/sqlite/sqlite-driver') && functionName === 'executeQuery') {
      return cur === leaf ? 'SQLite: run statements (native)' : 'kysely';
    }
    return area(url, functionName);
  }
  return 'node core (no caller in JS)';
}

function where(url: string, line: number): string {
  const short = url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/');
  return short ? `${short}:${line + 1}` : '';
}

/** Self-time and inclusive-time summary of a V8 .cpuprofile (as written by `node --cpu-prof`). */
export function summarizeProfile(path: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  let total = 0;
  for (const [i, id] of profile.samples.entries()) {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    self.set(id, (self.get(id) ?? 0) + dt);
  }
  let idle = 0;
  const fnSelf = new Map<string, { name: string; where: string; ms: number }>();
  const areaSelf = new Map<string, number>();
  const fnIncl = new Map<string, { name: string; where: string; ms: number }>();
  const ownerMs = new Map<string, number>();
  for (const [id, ms] of self) {
    const node = byId.get(id) as ProfileNode;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += ms;
      continue;
    }
    const name = functionName || '(anonymous)';
    const key = `${name}@${url}:${lineNumber}`;
    const entry = fnSelf.get(key) ?? { name, where: where(url, lineNumber), ms: 0 };
    entry.ms += ms;
    fnSelf.set(key, entry);
    const a = area(url, functionName);
    areaSelf.set(a, (areaSelf.get(a) ?? 0) + ms);
    const o = owner(byId, parent, id);
    ownerMs.set(o, (ownerMs.get(o) ?? 0) + ms);
    // Inclusive: credit every distinct mzi frame on this sample's stack once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = (byId.get(cur) as ProfileNode).callFrame;
      if (
        !frame.url.includes('/dist/') ||
        frame.url.includes('node_modules') ||
        PSEUDO.has(frame.functionName)
      )
        continue;
      const k = `${frame.functionName || '(anonymous)'}@${frame.url}:${frame.lineNumber}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const e = fnIncl.get(k) ?? {
        name: frame.functionName || '(anonymous)',
        where: where(frame.url, frame.lineNumber),
        ms: 0,
      };
      e.ms += ms;
      fnIncl.set(k, e);
    }
  }
  const busy = total - idle || 1;
  const pct = (ms: number) => Math.round((ms / busy) * 1000) / 10;
  return {
    file: path,
    totalMs: Math.round(total),
    idlePct: Math.round((idle / (total || 1)) * 1000) / 10,
    topFunctions: [...fnSelf.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, selfPct: pct(f.ms) })),
    byArea: [...areaSelf.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([a, ms]) => ({ area: a, pct: pct(ms) })),
    byOwner: [...ownerMs.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([o, ms]) => ({ owner: o, pct: pct(ms) })),
    inclusive: [...fnIncl.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, pct: pct(f.ms) })),
  };
}

/**
 * The newest .cpuprofile of each thread in a folder, main thread first. `node --cpu-prof` names them
 * CPU.<date>.<time>.<pid>.<thread id>.<sequence>.cpuprofile; thread 0 is the main thread (HTTP and worker),
 * the others are worker threads (on SQLite, the log writer).
 */
export function profilesByThread(dir: string): Array<{ thread: number; file: string }> {
  const newest = new Map<number, string>();
  for (const name of readdirSync(dir).sort()) {
    const match = /\.(\d+)\.\d+\.cpuprofile$/.exec(name);
    if (match) newest.set(Number(match[1]), join(dir, name));
  }
  return [...newest.entries()].sort(([a], [b]) => a - b).map(([thread, file]) => ({ thread, file }));
}

export function formatProfile(label: string, summary: ProfileSummary): string {
  const lines = [
    `${label}: ${(summary.totalMs / 1000).toFixed(1)} s sampled, ${summary.idlePct} % idle; shares below are of busy time`,
    `  by owner (native time charged to its JS caller): ${summary.byOwner.map((o) => `${o.owner} ${o.pct} %`).join(', ')}`,
    `  by area (self): ${summary.byArea.map((a) => `${a.area} ${a.pct} %`).join(', ')}`,
    '  top functions (self):',
    ...summary.topFunctions.map((f) => `    ${String(f.selfPct).padStart(5)} %  ${f.name}  ${f.where}`),
    '  mzi functions (inclusive):',
    ...summary.inclusive.map((f) => `    ${String(f.pct).padStart(5)} %  ${f.name}  ${f.where}`),
  ];
  return lines.join('\n');
}

export interface SqlTimesSummary {
  /** Time inside better-sqlite3 prepare/run/all/get, ms (SQLite's own work, its file I/O and row conversion). */
  totalMs: number;
  statements: { sql: string; calls: number; totalMs: number; usPerCall: number; pct: number }[];
}

/** The statements that took the most time, from bench/lib/sqlite-statement-timer.mjs's output. */
export function summarizeSqlTimes(path: string, top = 8): SqlTimesSummary {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<
    string,
    { calls: number; prepareMs: number; runMs: number }
  >;
  const rows = Object.entries(raw).map(([sql, t]) => ({
    sql: sql.replace(/\s+/g, ' ').trim(),
    calls: t.calls,
    totalMs: t.prepareMs + t.runMs,
  }));
  const totalMs = rows.reduce((sum, r) => sum + r.totalMs, 0);
  return {
    totalMs: Math.round(totalMs),
    statements: rows
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, top)
      .map((r) => ({
        sql: r.sql.length > 220 ? `${r.sql.slice(0, 217)}...` : r.sql,
        calls: r.calls,
        totalMs: Math.round(r.totalMs),
        usPerCall: r.calls > 0 ? Math.round((r.totalMs / r.calls) * 1000) : 0,
        pct: totalMs > 0 ? Math.round((r.totalMs / totalMs) * 1000) / 10 : 0,
      })),
  };
}

export function formatSqlTimes(summary: SqlTimesSummary): string {
  return [
    `  SQLite statements: ${(summary.totalMs / 1000).toFixed(1)} s in better-sqlite3 calls; the costliest:`,
    ...summary.statements.map(
      (s) =>
        `    ${String(s.pct).padStart(5)} %  ${String(s.calls).padStart(7)} calls  ${String(s.usPerCall).padStart(6)} µs each  ${s.sql}`,
    ),
  ].join('\n');
}
