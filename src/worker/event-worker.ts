/** What the worker reports about itself (health, the dashboard, the worker thread's reports). */
export interface WorkerStatus {
  status: 'running' | 'stopped';
  worker_id: string;
  in_flight: number;
  processed: number;
  last_poll_at: string | null;
  last_error: string | null;
}

/** The background worker that processes the event log, in this thread or in a worker thread. */
export interface EventWorker {
  start(): Promise<void>;
  /** Stops claiming; waits up to `timeoutMs` for events in flight. Unfinished ones come back after their lease. */
  stop(timeoutMs?: number): Promise<void>;
  /** New events were appended: look now rather than at the next poll. */
  wake(): void;
  /** Processes until nothing is due and nothing is in flight (tests, `mzi events retry --wait`). */
  drain(): Promise<void>;
  state(): WorkerStatus;
}
