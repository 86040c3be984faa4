import { coerceError } from '../errors.js';
import { probeAppend } from '../event-log/probe-append.js';
import { type AppenderState, recordWriteFailure } from './appender-state.js';

/**
 * After a failed write: tries a harmless write, and reports writable again if it succeeds. Deliveries retry the
 * log on their own; this is for a quiet moment after a failure, at most every 5 s.
 */
export async function probeAppender(state: AppenderState): Promise<boolean> {
  if (state.writable || (state.lastErrorAt && Date.now() - Date.parse(state.lastErrorAt) < 5000))
    return state.writable;
  try {
    await probeAppend(state.db, state.now());
    state.writable = true;
  } catch (error) {
    recordWriteFailure(state, coerceError(error));
  }
  return state.writable;
}
