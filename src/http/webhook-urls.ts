/** The webhook endpoints mzi serves, by module; the 404 body and `mzi zoho-setup` list them. */
export const WEBHOOK_ROUTES = [
  { path: '/api/v1/events/zoho/student', module: 'BTEC_Students', name: 'student' },
] as const;
