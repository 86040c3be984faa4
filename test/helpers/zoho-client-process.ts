import { spawn } from 'node:child_process';
import type { ZohoCredentials } from '../../src/zoho/zoho-credentials.js';

const DIST = new URL('../../dist/', import.meta.url).href;

/**
 * A separate mzi process (compiled code from dist/) that opens the database, builds a Zoho client and reads a
 * record `calls` times at once, starting at `startAt` (epoch ms) so that several processes overlap.
 */
const SCRIPT = `
const { createDatabase } = await import(process.env.DIST + 'db/create-database.js');
const { createZohoClient } = await import(process.env.DIST + 'zoho/create-zoho-client.js');
const handle = createDatabase(process.env.DATABASE_URL);
const zoho = createZohoClient({ db: handle.db, credentials: async () => JSON.parse(process.env.ZOHO_CREDENTIALS) });
while (Date.now() < Number(process.env.START_AT)) await new Promise((r) => setTimeout(r, 5));
const calls = Array.from({ length: Number(process.env.CALLS) }, () => zoho.getRecord(process.env.MODULE, process.env.RECORD_ID));
const records = await Promise.all(calls);
await handle.close();
process.stdout.write(JSON.stringify({ found: records.filter((r) => r && r.id === process.env.RECORD_ID).length }));
`;

export async function readRecordInProcess(options: {
  databaseUrl: string;
  credentials: ZohoCredentials;
  module: string;
  recordId: string;
  calls: number;
  startAt: number;
}): Promise<{ found: number }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    env: {
      ...process.env,
      DIST,
      DATABASE_URL: options.databaseUrl,
      ZOHO_CREDENTIALS: JSON.stringify(options.credentials),
      MODULE: options.module,
      RECORD_ID: options.recordId,
      CALLS: String(options.calls),
      START_AT: String(options.startAt),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`the Zoho client process failed (${code}): ${stderr}`);
  return JSON.parse(stdout) as { found: number };
}
