import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { getQueueState } from '../event-log/get-queue-state.js';
import { createMetrics, type Metrics } from '../metrics/create-metrics.js';

/** The service's metrics, with the queue gauges read from the event log when scraped. */
export function createServiceMetrics(db: Kysely<Database>): Metrics {
  const metrics = createMetrics();
  metrics.setQueueReader(async () => {
    const queue = await getQueueState(db);
    return { pending: queue.pending, processing: queue.processing, oldestPendingAt: queue.oldest_pending_at };
  });
  return metrics;
}
