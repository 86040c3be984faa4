// `npm run dev`: `mzi serve` from the TypeScript sources, restarted by tsx on every change.
import { runCli } from './cli/main.js';

await runCli([process.argv[0] ?? 'node', 'mzi', 'serve', ...process.argv.slice(2)]);
