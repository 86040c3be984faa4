import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';

/**
 * A query built once with Kysely (so its SQL is right for the dialect) and then run with new parameter
 * values, skipping Kysely's per-call building and compiling. On the ingest and worker hot paths that was a
 * large share of the CPU per event; everything else keeps using the query builder directly.
 *
 * `build` receives one placeholder per parameter; each must be used as a value (never as an identifier).
 */
export function prepareQuery<Params extends Record<string, unknown>, Row>(
  build: (db: Kysely<any>, p: Params) => Compilable<Row>,
): (db: Kysely<any>, params: Params) => Promise<QueryResult<Row>> {
  // By the dialect's adapter, which a database and its transactions share: a transaction is a new Kysely
  // instance each time, and keying by it would build the query again in every transaction.
  const compiled = new WeakMap<object, { query: CompiledQuery<Row>; slots: Array<string | undefined> }>();
  return (db, params) => {
    const key = db.getExecutor().adapter;
    let entry = compiled.get(key);
    if (!entry) {
      const placeholders = new Proxy({} as Params, {
        get: (_target, key) => `\u0000mzi-param:${String(key)}`,
      });
      const query = build(db, placeholders).compile();
      const slots = query.parameters.map((value) =>
        typeof value === 'string' && value.startsWith('\u0000mzi-param:') ? value.slice(11) : undefined,
      );
      entry = { query, slots };
      compiled.set(key, entry);
    }
    const { query, slots } = entry;
    const parameters = query.parameters.map((value, i) => {
      const slot = slots[i];
      return slot === undefined ? value : params[slot];
    });
    return db.executeQuery<Row>({ ...query, parameters });
  };
}
