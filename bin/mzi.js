#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=4
// Entry point of the `mzi` command. A young generation of 4 MB per semi-space instead of V8's 16 MB keeps
// uncollected garbage off the peak RSS (docs/PERFORMANCE.md#young-generation-of-4-mb). At most two glibc malloc
// arenas instead of up to eight per core: three JavaScript threads would otherwise each keep freed memory in an
// arena of their own (docs/PERFORMANCE.md#two-malloc-arenas). `npm start`
// passes the same settings (package.json; it keeps a MALLOC_ARENA_MAX you set yourself); V8 and glibc read them
// only at start, so they cannot be set from inside.
// The TypeScript sources are compiled to dist/ by `npm ci` (prepare) and `npm run build`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('mzi is not built yet: run `npm run build` (npm ci does it for you).\n');
  process.exit(1);
}
const { runCli } = await import(entry.href);
await runCli(process.argv);
