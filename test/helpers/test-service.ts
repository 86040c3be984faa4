import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createService, type Service } from '../../src/main.js';

export interface TestService extends Service {
  dir: string;
  /** Every log line the service wrote, as text. */
  logs: () => string;
  cleanup: () => Promise<void>;
}

/** A real service on a real SQLite file in a fresh temporary folder; logs captured in memory. */
export async function startTestService(env: Record<string, string> = {}): Promise<TestService> {
  const dir = mkdtempSync(join(tmpdir(), 'mzi-test-'));
  const config = loadConfig({
    env: {
      DATABASE_URL: `sqlite:${join(dir, 'mzi.sqlite')}`,
      LOG_LEVEL: 'debug',
      WORKER_POLL_INTERVAL_MS: '50',
      ...env,
    },
    dotenvPath: null,
  });
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  const logger = createLogger({
    level: config.logLevel,
    pretty: false,
    destination: destination as pino.DestinationStream,
  });
  const service = await createService(config, { logger });
  await service.start({ listen: false });
  return Object.assign(service, {
    dir,
    logs: () => chunks.join(''),
    cleanup: async () => {
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
