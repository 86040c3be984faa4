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
