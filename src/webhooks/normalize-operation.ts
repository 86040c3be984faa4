export type Operation = 'insert' | 'update' | 'delete';

const SPELLINGS: Readonly<Record<string, Operation>> = {
  insert: 'insert',
  create: 'insert',
  created: 'insert',
  inserted: 'insert',
  update: 'update',
  edit: 'update',
  edited: 'update',
  updated: 'update',
  delete: 'delete',
  deleted: 'delete',
  remove: 'delete',
  removed: 'delete',
};

export const ACCEPTED_OPERATION_SPELLINGS = Object.keys(SPELLINGS);

/** Maps the spellings senders use (DESIGN.md §2) to insert | update | delete; undefined when unknown. */
export function normalizeOperation(value: string): Operation | undefined {
  const key = value.trim().toLowerCase();
  // Own keys only: `constructor` or `__proto__` would otherwise find Object.prototype's members (issue 6).
  return Object.hasOwn(SPELLINGS, key) ? SPELLINGS[key] : undefined;
}
