import { coerceError } from '../errors.js';
import { sendWriteBacks, type WriteBackSender } from '../write-back/send-write-backs.js';
import type { WorkerState } from './worker-state.js';

/** The write-back sender of a worker connected to Zoho, or undefined. */
export function writeBackSender(state: WorkerState): WriteBackSender | undefined {
  const zoho = state.options.zoho;
  if (!zoho?.api) return undefined;
  return {
    db: state.db,
    api: zoho.api,
    logger: state.logger,
    workerId: state.workerId,
    leaseSeconds: state.options.leaseSeconds,
    now: state.now,
    random: state.options.random,
    fieldSetting: (module) => zoho.modules.get(module)?.writeBackSetting,
  };
}

/**
 * Sends due write-backs until none is left, one flush at a time (a call during a flush makes it look again);
 * resolves when the flush ends. Runs beside event processing: a slow or failing Zoho never holds up Moodle.
 */
export function flushWriteBacks(state: WorkerState): Promise<void> {
  const sender = writeBackSender(state);
  if (!sender) return Promise.resolve();
  if (state.writeBacks.running) {
    state.writeBacks.again = true;
    return state.writeBacks.running;
  }
  const running = sendAll(state, sender).finally(() => {
    state.writeBacks.running = undefined;
  });
  state.writeBacks.running = running;
  return running;
}

async function sendAll(state: WorkerState, sender: WriteBackSender): Promise<void> {
  try {
    do {
      state.writeBacks.again = false;
      state.writeBacks.queued = false;
      // Claims again at once while a claim finds work: what it leaves (a record being written) waits its turn.
      while ((await sendWriteBacks(sender)) > 0 && !state.stopping) {}
    } while (state.writeBacks.again && !state.stopping);
  } catch (error) {
    state.logger.error(
      { err: coerceError(error) },
      'could not send Moodle ids to Zoho; will try again at the next poll',
    );
  }
}
