// Preloaded into an mzi process by `npm run bench -- --profile` (node --import): times every SQLite statement
// mzi prepares and runs through better-sqlite3, by SQL text, without touching mzi's code. On exit it writes
// { sql: { calls, prepareMs, runMs } } to the file named by BENCH_SQL_TIMES.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const out = process.env.BENCH_SQL_TIMES;
if (out) {
  // The better-sqlite3 that mzi will load: resolved from mzi's folder (the working directory).
  const require = createRequire(join(process.cwd(), 'package.json'));
  const Database = require('better-sqlite3');
  const times = new Map();
  const entry = (sql) => {
    let e = times.get(sql);
    if (!e) {
      e = { calls: 0, prepareNs: 0n, runNs: 0n };
      times.set(sql, e);
    }
    return e;
  };
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function timedPrepare(sql, ...rest) {
    const t0 = process.hrtime.bigint();
    const statement = prepare.call(this, sql, ...rest);
    const e = entry(sql);
    e.prepareNs += process.hrtime.bigint() - t0;
    for (const method of ['all', 'run', 'get']) {
      const original = statement[method];
      if (typeof original !== 'function') continue;
      statement[method] = function timed(...args) {
        const t1 = process.hrtime.bigint();
        try {
          return original.apply(this, args);
        } finally {
          e.calls += 1;
          e.runNs += process.hrtime.bigint() - t1;
        }
      };
    }
    return statement;
  };
  process.on('exit', () => {
    const result = {};
    for (const [sql, e] of times) {
      result[sql] = { calls: e.calls, prepareMs: Number(e.prepareNs) / 1e6, runMs: Number(e.runNs) / 1e6 };
    }
    writeFileSync(out, JSON.stringify(result));
  });
}
