/** Adds a handler's warnings to those recorded at intake, once each (a retried event may repeat them). */
export function mergeWarnings(stored: string | null, added: string[] | undefined): string | null {
  if (!added || added.length === 0) return stored;
  let existing: string[] = [];
  try {
    existing = stored ? (JSON.parse(stored) as string[]) : [];
  } catch {
    existing = [];
  }
  return JSON.stringify([...new Set([...existing, ...added])]);
}
