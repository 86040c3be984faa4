/**
 * The OAuth scopes mzi asks Zoho for, each with what it is for (Zoho CRM API v8 "Scopes" page,
 * https://www.zoho.com/crm/developer/docs/api/v8/scopes.html, and each endpoint's page).
 */
export const ZOHO_SCOPES: ReadonlyArray<{ scope: string; purpose: string }> = [
  {
    // record.json of zoho/crm-oas v8.0: records, their listing and deleted records all need it.
    scope: 'ZohoCRM.modules.ALL',
    purpose: "read the modules' records, list changed and deleted ones, write Moodle ids back",
  },
  {
    // https://www.zoho.com/crm/developer/docs/api/v8/get-webhook-failures.html
    scope: 'ZohoCRM.settings.automation_actions.READ',
    purpose: 'read the webhook deliveries Zoho could not make',
  },
];

/** The scope list as the Self Client's "Generate Code" box and the authorization URL take it. */
export const ZOHO_SCOPE_LIST = ZOHO_SCOPES.map(({ scope }) => scope).join(',');

/**
 * The needed scopes that `granted` does not cover. A granted scope covers a needed one when it is the same, or
 * a parent with the operation ALL (`ZohoCRM.settings.ALL` covers `ZohoCRM.settings.automation_actions.READ`),
 * ignoring case as Zoho does.
 */
export function missingZohoScopes(granted: readonly string[]): string[] {
  const grants = granted.map(parseScope);
  return ZOHO_SCOPES.map(({ scope }) => scope).filter((needed) => {
    const want = parseScope(needed);
    return !grants.some((have) => covers(have, want));
  });
}

interface ParsedScope {
  path: string[];
  operation: string;
}

function parseScope(scope: string): ParsedScope {
  const parts = scope.trim().toLowerCase().split('.');
  return { path: parts.slice(0, -1), operation: parts.at(-1) ?? '' };
}

function covers(have: ParsedScope, want: ParsedScope): boolean {
  if (have.path.length > want.path.length) return false;
  if (!have.path.every((part, i) => part === want.path[i])) return false;
  if (have.path.length === want.path.length)
    return have.operation === 'all' || have.operation === want.operation;
  return have.operation === 'all';
}
