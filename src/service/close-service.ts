import type { ServiceParts } from './service-parts.js';

/**
 * Graceful stop, outside in: no new requests (in-flight ones finish), no more health checks, Zoho sync rounds or notifications,
 * the worker finishes its events, the appender its commits, then the database closes.
 */
export async function closeService(parts: ServiceParts): Promise<void> {
  await parts.app.close();
  parts.moodleHealth.stop();
  await parts.zohoSync?.stop();
  await Promise.all(parts.moodlePolls.map((poll) => poll.stop()));
  await parts.stopListening();
  await parts.worker.stop();
  await parts.appender.close();
  await parts.database.close();
}
