import { describe, expect, it } from 'vitest';
import { ProcessingError } from '../../src/event-log/processing-error.js';
import { decideOutcome } from '../../src/worker/decide-outcome.js';
import { refusedOutcome } from '../../src/worker/refused-outcome.js';
import { WaitForRecord } from '../../src/worker/wait-for-record.js';

const FINISHED = '2030-01-01T00:00:00.000Z';
const NO_JITTER = () => 0.5;
const outcome = { result: { action: 'created' } };

function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

function decide(failure: unknown, attempts = 1, maxAttempts = 3) {
  return decideOutcome({
    outcome: failure === undefined ? outcome : undefined,
    failure,
    event: { attempts, max_attempts: maxAttempts },
    finished: FINISHED,
    random: NO_JITTER,
  });
}

describe('decideOutcome', () => {
  it('completes an event whose handler succeeded, keeping what it did', () => {
    expect(decide(undefined)).toEqual({ status: 'completed', outcome });
  });

  it('retries a WaitForRecord with backoff where the worker lets no event wait (a worker built without waits)', () => {
    const wait = new WaitForRecord({
      module: 'class',
      recordId: '42',
      reason: 'its status is Planned, not Active',
    });
    expect(decide(wait, 1, 3)).toMatchObject({
      status: 'pending',
      code: 'dependency.waiting',
      message: 'Waits for class record 42: its status is Planned, not Active.',
    });
  });

  it('fails an event that has neither an outcome nor an error', () => {
    const decision = decideOutcome({
      outcome: undefined,
      failure: undefined,
      event: { attempts: 1, max_attempts: 3 },
      finished: FINISHED,
    });
    expect(decision).toMatchObject({ status: 'failed', code: 'worker.unexpected' });
  });

  it('retries a passing ProcessingError at the next time of the schedule, saying which attempt it was', () => {
    const decision = decide(
      new ProcessingError('moodle.unavailable', 'Moodle is down.', { retryable: true }),
      2,
      5,
    );
    expect(decision).toMatchObject({
      status: 'pending',
      code: 'moodle.unavailable',
      message: 'Moodle is down.',
      eventMessage: 'Moodle is down. (attempt 2 of 5; will retry)',
      nextAttemptAt: '2030-01-01T00:00:30.000Z',
    });
  });

  it('fails a passing error on its last attempt, without the retry note', () => {
    const decision = decide(
      new ProcessingError('moodle.unavailable', 'Moodle is down.', { retryable: true }),
      3,
      3,
    );
    expect(decision).toMatchObject({
      status: 'failed',
      code: 'moodle.unavailable',
      eventMessage: 'Moodle is down.',
    });
  });

  it('fails a permanent ProcessingError at once, with its code and message', () => {
    const decision = decide(new ProcessingError('students.invalid_email', 'The email is not valid.'), 1, 5);
    expect(decision).toMatchObject({
      status: 'failed',
      code: 'students.invalid_email',
      message: 'The email is not valid.',
      eventMessage: 'The email is not valid.',
    });
  });

  it('retries when the database went away, even after the last attempt, with a message free of row data', () => {
    const decision = decide(pgError('57P01', 'terminating connection\nDETAIL: Key (email)=(a@b.c)'), 3, 3);
    expect(decision).toMatchObject({
      status: 'pending',
      code: 'worker.database_unavailable',
      message:
        'The database was unavailable while processing (57P01: terminating connection); mzi tries again by itself.',
    });
  });

  it('treats a ProcessingError caused by a lost connection as a verdict on the event, not as the database lost', () => {
    const error = new ProcessingError('moodle.network', 'Moodle cannot be reached.', {
      cause: pgError('ECONNREFUSED', 'connect ECONNREFUSED'),
    });
    expect(decide(error, 3, 3)).toMatchObject({ status: 'failed', code: 'moodle.network' });
  });

  it('fails an unexpected exception at once as worker.unexpected, keeping the error', () => {
    const error = new TypeError('cannot read properties of undefined');
    const decision = decide(error, 1, 5);
    expect(decision).toMatchObject({
      status: 'failed',
      code: 'worker.unexpected',
      message: 'Unexpected error while processing: cannot read properties of undefined',
      error,
    });
  });
});

describe('refusedOutcome', () => {
  it('fails an event whose result the database refuses as data, naming the reason without its values', () => {
    const result = refusedOutcome(
      pgError('22001', 'value too long for type character varying(255)\nDETAIL: x'),
    );
    expect(result.ok).toBe(false);
    const error = result.ok ? undefined : result.error;
    expect(error).toBeInstanceOf(ProcessingError);
    expect(error).toMatchObject({
      code: 'worker.outcome_unwritable',
      message:
        "The database refused this event's result (22001: value too long for type character varying(255)); correct the record in Zoho and send it again.",
    });
  });

  it('keeps the database error itself when the database is away, so that the event is tried again', () => {
    const away = pgError('SQLITE_BUSY', 'database is locked');
    expect(refusedOutcome(away)).toEqual({ ok: false, error: away });
  });
});
