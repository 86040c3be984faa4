/** Only local paths under /admin are followed after sign-in (no open redirect). */
export function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/admin(\/[^\s]*)?$/.test(value) && !value.startsWith('//')
    ? value
    : '/admin';
}
