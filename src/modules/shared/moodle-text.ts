/**
 * Moodle returns names (course fullname, category name) through format_string, which escapes `&`, `<`, `>` and
 * quotes as HTML entities, and stores text trimmed. Compared raw, a class named "Maths & Physics" would look
 * renamed on every event.
 */
export function decodeMoodleText(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Whether a Zoho value and the same field as Moodle returns it say the same. */
export function sameMoodleText(zoho: string, moodle: string): boolean {
  return zoho.trim() === decodeMoodleText(moodle).trim();
}

/**
 * What Moodle itself answered, `(Moodle: wsnoinstance: Manual enrolment plugin instance …)`, to close a message
 * that already says what to do (the exception's own message may carry generic advice of its own).
 */
export function moodleSaid(error: { errorcode: string; moodleMessage: string }): string {
  const message = error.moodleMessage
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return message.endsWith(error.errorcode) || message === ''
    ? `(Moodle: ${error.errorcode})`
    : `(Moodle: ${error.errorcode}: ${message})`;
}
