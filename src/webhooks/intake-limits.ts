/**
 * Bounds on what one webhook body may hold (issue 6), beyond its size in bytes (BODY_LIMIT). A Zoho student
 * record is about 20 short fields two levels deep; the defaults leave a wide margin and still keep the work a
 * hostile body can cause small. Each limit has a setting, named in the error that enforces it.
 */
export interface IntakeLimits {
  /** Longest accepted field value, in characters (MAX_FIELD_LENGTH). */
  readonly maxFieldLength: number;
  /** Most keys in one JSON object (the body, its `data`) or parameters in one form (MAX_FIELDS). */
  readonly maxFields: number;
  /** Deepest accepted JSON nesting; `{"data": {…}}` is 2 (MAX_JSON_DEPTH). */
  readonly maxJsonDepth: number;
  /** Most records in one `{"data": […]}` envelope (MAX_RECORDS_PER_DELIVERY); a Zoho API page holds 100. */
  readonly maxRecordsPerDelivery: number;
}

export const DEFAULT_INTAKE_LIMITS: IntakeLimits = Object.freeze({
  maxFieldLength: 10_000,
  maxFields: 200,
  maxJsonDepth: 20,
  maxRecordsPerDelivery: 100,
});
