import type { AppendResult } from './create-event-appender.js';

/** The answer to a stored delivery: what the sender receives and what the event log keeps of it. */
export function webhookReply(result: Omit<AppendResult, 'reply'>): {
  statusCode: number;
  body: Record<string, unknown>;
} {
  if (result.status === 'rejected') {
    return {
      statusCode: 422,
      body: {
        error: 'invalid_operation',
        message: result.errorMessage,
        success: false,
        event_id: result.eventId,
        status: 'failed',
      },
    };
  }
  return {
    statusCode: 200,
    body: {
      success: true,
      event_id: result.eventId,
      status: result.status,
      event_type: result.eventType,
      ...(result.duplicateOf ? { duplicate_of: result.duplicateOf } : {}),
      ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}),
    },
  };
}
