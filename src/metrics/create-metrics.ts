import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  /** A webhook delivery and what became of it: queued | duplicate | rejected | unauthorized | bad_request | error. */
  delivery(module: string, outcome: string, auth: string): void;
  /** Seconds from receiving a webhook request to answering it. */
  ingestSeconds(seconds: number): void;
  /** A processing attempt: completed | retry | failed, with the error code of a failure. */
  attempt(module: string, outcome: string, errorCode: string | undefined): void;
  /** A Moodle web-service call: ok | exception | transport, with Moodle's errorcode. */
  moodleCall(wsfunction: string, outcome: string, seconds: number, errorcode: string | undefined): void;
  /** A Zoho CRM API call by type (get_record, update_records…), its outcome and the API credits it cost. */
  zohoCall(call: { callType: string; outcome: string; seconds: number; credits: number }): void;
  /** Reads the queue (pending, processing, oldest pending) when scraped. */
  setQueueReader(
    read: () => Promise<{ pending: number; processing: number; oldestPendingAt: string | null }>,
  ): void;
}

/** Prometheus metrics of one service (its own registry: several services in one process do not mix). */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'mzi_' });
  const deliveries = new Counter({
    name: 'mzi_webhook_deliveries_total',
    help: 'Webhook deliveries by module, outcome and authentication method',
    labelNames: ['module', 'outcome', 'auth'] as const,
    registers: [registry],
  });
  const ingest = new Histogram({
    name: 'mzi_webhook_ingest_seconds',
    help: 'Time from receiving a webhook request to answering it (the event is durable before the answer)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const attempts = new Counter({
    name: 'mzi_event_attempts_total',
    help: 'Processing attempts by module, outcome (completed, retry, failed) and error code',
    labelNames: ['module', 'outcome', 'error_code'] as const,
    registers: [registry],
  });
  const moodleCalls = new Counter({
    name: 'mzi_moodle_calls_total',
    help: 'Moodle web-service calls by function, outcome (ok, exception, transport) and Moodle errorcode',
    labelNames: ['function', 'outcome', 'errorcode'] as const,
    registers: [registry],
  });
  const moodleSeconds = new Histogram({
    name: 'mzi_moodle_call_seconds',
    help: 'Duration of Moodle web-service calls',
    labelNames: ['function'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
    registers: [registry],
  });
  const zohoCalls = new Counter({
    name: 'mzi_zoho_api_calls_total',
    help: 'Zoho CRM API calls by call type and outcome (ok, not_modified, rate_limited, auth, client_error, server_error, transport)',
    labelNames: ['call', 'outcome'] as const,
    registers: [registry],
  });
  const zohoCredits = new Counter({
    name: 'mzi_zoho_api_credits_total',
    help: 'Zoho CRM API credits spent, by call type (Zoho allows a number per rolling 24 h)',
    labelNames: ['call'] as const,
    registers: [registry],
  });
  const zohoSeconds = new Histogram({
    name: 'mzi_zoho_api_call_seconds',
    help: 'Duration of Zoho CRM API calls',
    labelNames: ['call'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  let readQueue:
    | (() => Promise<{ pending: number; processing: number; oldestPendingAt: string | null }>)
    | undefined;
  // Read at scrape time; registered with the registry, so no reference needs keeping.
  new Gauge({
    name: 'mzi_queue_depth',
    help: 'Events waiting (pending) or being processed',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      if (!readQueue) return;
      const queue = await readQueue();
      this.set({ status: 'pending' }, queue.pending);
      this.set({ status: 'processing' }, queue.processing);
      oldest.set(
        queue.oldestPendingAt ? Math.max(0, (Date.now() - Date.parse(queue.oldestPendingAt)) / 1000) : 0,
      );
    },
  });
  const oldest = new Gauge({
    name: 'mzi_oldest_pending_age_seconds',
    help: 'Age of the oldest pending event (0 when none)',
    registers: [registry],
  });

  return {
    registry,
    delivery: (module, outcome, auth) => deliveries.inc({ module, outcome, auth }),
    ingestSeconds: (seconds) => ingest.observe(seconds),
    attempt: (module, outcome, errorCode) => attempts.inc({ module, outcome, error_code: errorCode ?? '' }),
    moodleCall: (wsfunction, outcome, seconds, errorcode) => {
      moodleCalls.inc({ function: wsfunction, outcome, errorcode: errorcode ?? '' });
      moodleSeconds.observe({ function: wsfunction }, seconds);
    },
    zohoCall: ({ callType, outcome, seconds, credits }) => {
      zohoCalls.inc({ call: callType, outcome });
      if (credits > 0) zohoCredits.inc({ call: callType }, credits);
      zohoSeconds.observe({ call: callType }, seconds);
    },
    setQueueReader: (read) => {
      readQueue = read;
    },
  };
}
