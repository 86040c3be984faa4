/** A Moodle user id from Zoho or the mirror (a positive whole number), or undefined when it is not one. */
export function parseUserId(value: string): number | undefined {
  const text = value.trim();
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const id = Number(text);
  return id > 0 ? id : undefined;
}
