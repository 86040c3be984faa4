import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The tests that start `mzi` processes, kill them, stop databases under them or fuzz them: seconds to minutes
 * each. They form the `slow` project; everything else is `fast`, the inner loop (`npx vitest --project fast`).
 */
const SLOW = [
  'test/browser/**/*.test.ts',
  'test/integration/class-program-cli.test.ts',
  'test/integration/cli.test.ts',
  'test/integration/enrollment-cli.test.ts',
  'test/integration/crash-safety.test.ts',
  'test/integration/crash-safety-repeated.test.ts',
  'test/integration/database-outage.test.ts',
  'test/integration/doctor.test.ts',
  'test/integration/graceful-shutdown.test.ts',
  'test/integration/multi-process.test.ts',
  'test/integration/request-timeouts.test.ts',
  'test/integration/sqlite-busy.test.ts',
  'test/integration/webhook-fuzz.test.ts',
  'test/integration/zoho-burst.test.ts',
];

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    // A thread's entry module is loaded from dist/, outside every test's import graph: a change to it reruns all.
    forceRerunTriggers: [...configDefaults.forceRerunTriggers, '**/src/**/*thread*.ts'],
    projects: [
      { extends: true, test: { name: 'fast', include: ['test/**/*.test.ts'], exclude: SLOW } },
      { extends: true, test: { name: 'slow', include: SLOW } },
    ],
  },
});
