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
  /** A call just failed to reach Moodle: report it unreachable now and watch closely for its return. */
  noteUnreachable(detail: string): void;
  start(): void;
  stop(): void;
}

/**
 * Moodle's reachability for the health endpoint, checked in the background (site info) and cached, so that
 * health checks stay fast whatever Moodle does.
 */
export function createMoodleHealth(
  client: MoodleClient | undefined,
  options: {
    intervalMs: number;
    /** Checks more often while Moodle is unreachable, to notice its return quickly. */
    downIntervalMs?: number;
    /** Moodle answers again after being unreachable (e.g. retry the events that were waiting for it). */
    onRecovered?: () => void;
  },
): MoodleHealth {
  let current: MoodleHealthState = client
    ? { status: 'unreachable', checked_at: null, detail: 'not checked yet' }
    : { status: 'disabled', checked_at: null, detail: 'MOODLE_URL is not set' };
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<MoodleHealthState> | undefined;
  let running = false;

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
      const wasDown = current.status === 'unreachable' && current.checked_at !== null;
      current = { status: 'ok', checked_at: checkedAt, detail: null };
      if (wasDown) options.onRecovered?.();
    } catch (error) {
      const detail = error instanceof MoodleError ? error.message : 'unexpected error while calling Moodle';
      current = { status: 'unreachable', checked_at: checkedAt, detail };
    }
    return current;
  }

  async function loop(): Promise<void> {
    await refresh();
    if (!running) return;
    const down = current.status === 'unreachable';
    timer = setTimeout(
      loop,
      down ? (options.downIntervalMs ?? options.intervalMs) : options.intervalMs,
    ).unref();
  }

  return {
    state: () => current,
    refresh,
    start() {
      if (!client || running) return;
      running = true;
      void loop();
    },
    noteUnreachable(detail) {
      if (!client) return;
      const wasOk = current.status === 'ok';
      current = { status: 'unreachable', checked_at: new Date().toISOString(), detail };
      // Watch closely for Moodle's return instead of waiting for the next regular check.
      if (wasOk && running && !inFlight) {
        if (timer) clearTimeout(timer);
        timer = setTimeout(loop, options.downIntervalMs ?? options.intervalMs).unref();
      }
    },
    stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
