#!/usr/bin/env -S node --max-semi-space-size=4
// Entry point of the `mzi` command. A young generation of 4 MB per semi-space instead of V8's 16 MB: it took
// 15–20 MB off the peak RSS of a busy mzi at no measured cost in speed (docs/PERFORMANCE.md). `npm start` passes
// the same option (package.json); V8 reads it only at start, so it cannot be set from inside.
// The TypeScript sources are compiled to dist/ by `npm ci` (prepare) and `npm run build`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('mzi is not built yet: run `npm run build` (npm ci does it for you).\n');
  process.exit(1);
}
const { runCli } = await import(entry.href);
await runCli(process.argv);
