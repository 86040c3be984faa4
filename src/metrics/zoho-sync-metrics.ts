import { Counter, Gauge, type Registry } from 'prom-client';
import type { ZohoSyncStatus } from '../sync/read-sync-status.js';

/**
 * The Zoho sync's metrics, read from the database at scrape time (one read per scrape), so that every process
 * reports the syncs whichever process ran them.
 */
export function registerZohoSyncMetrics(registry: Registry, read: () => Promise<ZohoSyncStatus>): void {
  let pending: Promise<ZohoSyncStatus> | undefined;
  // The metrics below are collected one after the other in a scrape: they share its read.
  const readOnce = () => {
    pending ??= read().finally(() => setTimeout(() => (pending = undefined), 1000).unref());
    return pending;
  };
  new Counter({
    name: 'mzi_zoho_sync_events_total',
    help: 'Events appended by Zoho sync, by module and kind (insert, update, delete)',
    labelNames: ['module', 'kind'] as const,
    registers: [registry],
    async collect() {
      const status = await readOnce();
      this.reset();
      for (const module of status.modules) {
        for (const [kind, n] of Object.entries(module.appended)) this.inc({ module: module.module, kind }, n);
      }
    },
  });
  new Gauge({
    name: 'mzi_zoho_sync_last_success_timestamp_seconds',
    help: 'When the last sync of each module finished (Unix time; 0 when never)',
    labelNames: ['module'] as const,
    registers: [registry],
    async collect() {
      const status = await readOnce();
      for (const module of status.modules)
        this.set(
          { module: module.module },
          module.last_success_at ? Date.parse(module.last_success_at) / 1000 : 0,
        );
    },
  });
  new Gauge({
    name: 'mzi_zoho_sync_failing',
    help: 'Whether the last sync of each module ended in an error (1) or not (0)',
    labelNames: ['module'] as const,
    registers: [registry],
    async collect() {
      const status = await readOnce();
      for (const module of status.modules) this.set({ module: module.module }, module.last_error ? 1 : 0);
    },
  });
  new Gauge({
    name: 'mzi_zoho_sync_budget_reached',
    help: 'Whether background sync waits because ZOHO_DAILY_CREDIT_BUDGET is reached (1) or not (0)',
    registers: [registry],
    async collect() {
      this.set((await readOnce()).budget.reached ? 1 : 0);
    },
  });
  new Gauge({
    name: 'mzi_zoho_webhook_failures',
    help: "Failed webhook deliveries in Zoho's list (last 30 days), as last read",
    registers: [registry],
    async collect() {
      this.set((await readOnce()).webhook_failures.count);
    },
  });
  new Gauge({
    name: 'mzi_moodle_poll_last_success_timestamp_seconds',
    help: 'When the last poll of Moodle for each module read from it (grades) finished (Unix time; 0 when never)',
    labelNames: ['module'] as const,
    registers: [registry],
    async collect() {
      for (const poll of (await readOnce()).moodle_polls)
        this.set({ module: poll.module }, poll.last_success_at ? Date.parse(poll.last_success_at) / 1000 : 0);
    },
  });
  new Gauge({
    name: 'mzi_moodle_poll_failing',
    help: 'Whether the last poll of Moodle for each module ended in an error or met a problem (1) or not (0)',
    labelNames: ['module'] as const,
    registers: [registry],
    async collect() {
      for (const poll of (await readOnce()).moodle_polls)
        this.set(
          { module: poll.module },
          poll.last_error || (poll.last_poll?.problems.length ?? 0) > 0 ? 1 : 0,
        );
    },
  });
  new Gauge({
    name: 'mzi_moodle_poll_skipped',
    help: 'Records the last poll of Moodle did not send, by module and reason (unknownStudent, unknownClass, …)',
    labelNames: ['module', 'reason'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const poll of (await readOnce()).moodle_polls)
        for (const [reason, n] of Object.entries(poll.last_poll?.skipped ?? {}))
          this.set({ module: poll.module, reason }, n);
    },
  });
}
