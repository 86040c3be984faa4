import type { MoodleClient } from '../../moodle/create-moodle-client.js';
import { MoodleException } from '../../moodle/moodle-errors.js';
import { isMessageNotSent } from '../shared/enrolment-errors.js';
import type { EnrolmentOp } from './decide-enrolment.js';

/** Most enrolments in one call: Moodle checks and writes them in one transaction. */
export const ENROLMENTS_PER_CALL = 100;

/** What became of one op: done (perhaps with the exception a committed enrolment still threw), or refused. */
export type OpOutcome = { ok: true; notice?: MoodleException } | { ok: false; error: unknown };

/**
 * Errorcodes that refuse a whole call whatever its items: the course (one per call) or the token. Sending the
 * items one by one would only repeat the refusal for each.
 */
const WHOLE_CALL_ERRORCODES = new Set([
  'wsnoinstance',
  'requireloginerror',
  'nopermissions',
  'invalidtoken',
  'accessexception',
]);

/**
 * Sends ops to Moodle, batched: enrolments (and unenrolments) of one course go in one call of up to
 * ENROLMENTS_PER_CALL. Moodle's batch is all or nothing and names only its first bad item (156), so a batch
 * that fails for an item-level reason is sent again one item per call, and only the bad items fail. Calls run
 * in parallel; the client bounds how many are in flight.
 */
export async function sendEnrolments(
  moodle: MoodleClient,
  ops: readonly EnrolmentOp[],
): Promise<OpOutcome[]> {
  const outcomes: OpOutcome[] = new Array(ops.length);
  const groups = new Map<string, number[]>();
  ops.forEach((op, index) => {
    const key = `${op.kind}:${op.enrolment.courseid}`;
    const group = groups.get(key);
    if (group) group.push(index);
    else groups.set(key, [index]);
  });
  const calls: Promise<void>[] = [];
  for (const indexes of groups.values()) {
    for (let from = 0; from < indexes.length; from += ENROLMENTS_PER_CALL) {
      const chunk = indexes.slice(from, from + ENROLMENTS_PER_CALL);
      calls.push(
        sendChunk(
          moodle,
          chunk.map((index) => ops[index] as EnrolmentOp),
        ).then((results) => {
          chunk.forEach((index, i) => {
            outcomes[index] = results[i] as OpOutcome;
          });
        }),
      );
    }
  }
  await Promise.all(calls);
  return outcomes;
}

/** One call for ops of one kind and course; on an item-level refusal, one call per op. */
async function sendChunk(moodle: MoodleClient, ops: EnrolmentOp[]): Promise<OpOutcome[]> {
  try {
    await call(moodle, ops);
    return ops.map(() => ({ ok: true }));
  } catch (error) {
    if (ops.length === 1) {
      // Alone, "Message was not sent." comes after the commit (149, 150): the enrolment is stored.
      if (isMessageNotSent(error)) return [{ ok: true, notice: error as MoodleException }];
      return [{ ok: false, error }];
    }
    if (
      !(error instanceof MoodleException) ||
      error.retryable ||
      WHOLE_CALL_ERRORCODES.has(error.errorcode)
    ) {
      return ops.map(() => ({ ok: false, error }));
    }
    // Includes "Message was not sent." for a batch: which items were stored before it is not recorded, and
    // enrolling again is harmless (136).
    return Promise.all(ops.map((op) => sendChunk(moodle, [op]).then((outcome) => outcome[0] as OpOutcome)));
  }
}

function call(moodle: MoodleClient, ops: EnrolmentOp[]): Promise<void> {
  const kind = ops[0]?.kind;
  if (kind === 'unenrol') {
    return moodle.unenrolUsers(
      ops.map((op) => ({ userid: op.enrolment.userid, courseid: op.enrolment.courseid })),
    );
  }
  return moodle.enrolUsers(ops.flatMap((op) => (op.kind === 'enrol' ? [op.enrolment] : [])));
}
