import type { MoodleClient } from './create-moodle-client.js';
import { MoodleError } from './moodle-errors.js';

export type MoodleHealthStatus = 'ok' | 'unreachable' | 'disabled';

export interface MoodleHealthState {
  status: MoodleHealthStatus;
  checked_at: string | null;
  /** Why it is not ok (no secrets). */
  detail: string | null;
}

export interface MoodleHealth {
  state(): MoodleHealthState;
  /** Checks now; the health endpoint never waits for this. */
  refresh(): Promise<MoodleHealthState>;
  start(): void;
  stop(): void;
}

/**
 * Moodle's reachability for the health endpoint, checked in the background (site info) and cached, so that
 * health checks stay fast whatever Moodle does.
 */
export function createMoodleHealth(
  client: MoodleClient | undefined,
  options: { intervalMs: number },
): MoodleHealth {
  let current: MoodleHealthState = client
    ? { status: 'unreachable', checked_at: null, detail: 'not checked yet' }
    : { status: 'disabled', checked_at: null, detail: 'MOODLE_URL is not set' };
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<MoodleHealthState> | undefined;

  /** One check at a time: callers during a check share its answer. */
  function refresh(): Promise<MoodleHealthState> {
    inFlight ??= check().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  async function check(): Promise<MoodleHealthState> {
    if (!client) return current;
    const checkedAt = new Date().toISOString();
    try {
      await client.getSiteInfo();
      current = { status: 'ok', checked_at: checkedAt, detail: null };
    } catch (error) {
      const detail = error instanceof MoodleError ? error.message : 'unexpected error while calling Moodle';
      current = { status: 'unreachable', checked_at: checkedAt, detail };
    }
    return current;
  }

  return {
    state: () => current,
    refresh,
    start() {
      if (!client || timer) return;
      void refresh();
      timer = setInterval(() => void refresh(), options.intervalMs).unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
