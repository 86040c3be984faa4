#!/usr/bin/env node
// Entry point of the `mzi` command. The TypeScript sources are compiled to dist/ by `npm ci` (prepare) and `npm run build`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('mzi is not built yet: run `npm run build` (npm ci does it for you).\n');
  process.exit(1);
}
const { runCli } = await import(entry.href);
await runCli(process.argv);
