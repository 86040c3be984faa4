/** An error as it crosses a thread boundary: its kind and message, never the values of a statement. */
export interface ThreadError {
  name: string;
  message: string;
  code?: string | undefined;
}

export type ThreadResult =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: ThreadError };

export function describeThreadError(error: unknown): ThreadError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, code: typeof code === 'string' ? code : undefined };
}

export function rebuildThreadError(error: ThreadError): Error {
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  if (error.code !== undefined) Object.assign(rebuilt, { code: error.code });
  return rebuilt;
}
