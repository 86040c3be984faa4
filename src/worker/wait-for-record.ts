import { ProcessingError } from '../event-log/processing-error.js';
import { DEPENDENCY_WAITING } from '../event-log/wait-for-dependency.js';

/** The record a handler waits for: a module by `name` (`class`), a Zoho record id, and why it is not ready. */
export interface RecordWait {
  readonly module: string;
  readonly recordId: string;
  /** Why the record is not ready, in words an operator reads, e.g. "its status is Planned, not Active". */
  readonly reason: string;
}

/**
 * What a handler returns (`{ ok: false, error }`) or throws for one event whose record needs another record
 * that exists but is not ready yet, e.g. an enrollment whose class has no Moodle course while its status is
 * not Active. The worker puts the event back to wait as it does for `ZohoModule.waitsFor`: pending, without
 * using an attempt, saying what it waits for; it runs again as soon as an event of that record completes, and
 * fails `dependency.missing` once it has waited its module's limit (README, "Records that wait for others").
 * A worker built without waits (tests of the worker alone) retries it with backoff instead.
 */
export class WaitForRecord extends ProcessingError implements RecordWait {
  readonly module: string;
  readonly recordId: string;
  readonly reason: string;

  constructor(wait: RecordWait) {
    super(DEPENDENCY_WAITING, `Waits for ${wait.module} record ${wait.recordId}: ${wait.reason}.`, {
      retryable: true,
    });
    this.name = 'WaitForRecord';
    this.module = wait.module;
    this.recordId = wait.recordId;
    this.reason = wait.reason;
  }
}
