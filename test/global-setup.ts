import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds dist/ before any test runs: the CLI and process tests run `bin/mzi.js`, and the SQLite log writer
 * thread runs compiled code (a worker thread does not go through Vitest's TypeScript transform). The build is
 * incremental: a few seconds when nothing changed.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}
