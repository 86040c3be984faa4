import { normalizeOperation, type Operation } from './normalize-operation.js';
import { isUnresolvedPlaceholder, rejectUnstorable } from './text-checks.js';

/** Where the operation came from: the URL (Zoho's fixed custom parameter), the body, `mzi sync`, or inferred by mzi. */
export type OperationSource = 'query' | 'body' | 'sync' | 'moodle' | 'inferred';

export interface ResolvedOperation {
  /** Explicit operation, when the sender gave a valid one. */
  operation: Operation | undefined;
  operationSource: Exclude<OperationSource, 'inferred'> | undefined;
  /** An explicit value that is not an operation we know (the event will fail, naming it). */
  invalidOperation: string | undefined;
}

/**
 * The operation a delivery names (DESIGN.md §2): `?operation=` wins over the body's `operation`; a value we do
 * not know is kept as `invalidOperation` so that the event fails naming it; neither leaves it to inference.
 */
export function resolveOperation(
  queryOperation: string | undefined,
  bodyOperation: string | undefined,
  warnings: string[],
): ResolvedOperation {
  const candidates: Array<[Exclude<OperationSource, 'inferred'>, string | undefined]> = [
    ['query', readQueryOperation(queryOperation, warnings)],
    ['body', bodyOperation],
  ];
  for (const [source, raw] of candidates) {
    if (raw === undefined) continue;
    const operation = normalizeOperation(raw);
    return operation === undefined
      ? { operation: undefined, operationSource: source, invalidOperation: raw.slice(0, 64) }
      : { operation, operationSource: source, invalidOperation: undefined };
  }
  return { operation: undefined, operationSource: undefined, invalidOperation: undefined };
}

function readQueryOperation(value: string | undefined, warnings: string[]): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  rejectUnstorable(value, 'The operation in the URL');
  if (isUnresolvedPlaceholder(value)) {
    warnings.push(
      'The operation in the URL is an unresolved Zoho placeholder; set a fixed value such as ?operation=update.',
    );
    return undefined;
  }
  return value.trim();
}
