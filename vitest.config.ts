import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    // A thread's entry module is loaded from dist/, outside every test's import graph: a change to it reruns all.
    forceRerunTriggers: [...configDefaults.forceRerunTriggers, '**/src/**/*thread*.ts'],
  },
});
