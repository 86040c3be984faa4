import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
const BUILD_INFO = join(DIST, '.tsbuildinfo');

/** The Vitest instances (one per `vitest` process and config reload) that already rebuild dist/ on each rerun. */
const shared = globalThis as { mziDistWatchers?: WeakSet<object> };
shared.mziDistWatchers ??= new WeakSet();
const watching = shared.mziDistWatchers;

/**
 * Builds dist/ from src/ before the tests run, and again before each watch-mode rerun: the CLI and process tests
 * run `bin/mzi.js`, and the SQLite threads (log writer, worker) run compiled code, because a thread does not go
 * through Vitest's TypeScript transform. So that no test runs stale code, the outputs of deleted or renamed
 * sources are removed, and a build that left an output missing or older than its source is redone from scratch.
 */
export default function setup(project: TestProject): void {
  // Each project (fast, slow) runs this setup: build and register once per run.
  if (watching.has(project.vitest)) return;
  watching.add(project.vitest);
  if (!buildDist()) throw new Error('The TypeScript build of dist/ failed (see the errors above).');
  // tsc emits in spite of type errors: a rerun tests what was written, so that a half-done edit does not stop
  // watch mode, and says so.
  project.onTestsRerun(() => {
    if (!buildDist()) console.warn('dist/ was built in spite of the type errors above.');
  });
}

/** Builds dist/ incrementally, then from scratch if that left it stale; false when tsc reported errors. */
function buildDist(): boolean {
  let ok = tsc();
  removeOrphanedOutputs(DIST);
  if (sourcesWithoutFreshOutput().length > 0) {
    rmSync(BUILD_INFO, { force: true });
    ok = tsc();
    const stale = sourcesWithoutFreshOutput();
    if (stale.length > 0)
      throw new Error(`dist/ is still out of date after a full build: ${stale.join(', ')}`);
  }
  return ok;
}

function tsc(): boolean {
  const result = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (result.error) throw result.error;
  return result.status === 0;
}

/** Deletes `x.js` and `x.js.map` under dist/ when src/ has no `x.ts` any more, and the folders left empty. */
function removeOrphanedOutputs(folder: string): void {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      removeOrphanedOutputs(path);
      if (readdirSync(path).length === 0) rmdirSync(path);
      continue;
    }
    const stem = /^(.*)\.js(\.map)?$/.exec(relative(DIST, path))?.[1];
    if (stem !== undefined && !existsSync(join(SRC, `${stem}.ts`))) rmSync(path);
  }
}

/** The sources under src/ whose compiled `.js` is missing or older than they are. */
function sourcesWithoutFreshOutput(folder = SRC): string[] {
  const stale: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      stale.push(...sourcesWithoutFreshOutput(path));
      continue;
    }
    if (!entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) continue;
    const output = join(DIST, relative(SRC, path)).replace(/\.ts$/, '.js');
    if (!existsSync(output) || statSync(output).mtimeMs < statSync(path).mtimeMs)
      stale.push(relative(ROOT, path));
  }
  return stale;
}
