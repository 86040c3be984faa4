export type Operation = 'insert' | 'update' | 'delete';

const SPELLINGS: Record<string, Operation> = {
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
  return SPELLINGS[value.trim().toLowerCase()];
}
