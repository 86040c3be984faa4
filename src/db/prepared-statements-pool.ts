import { createHash } from 'node:crypto';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/** A statement text is prepared once it has run this many times (one-off queries are not). */
const PREPARE_AFTER_USES = 3;
/** Most statements kept prepared on one connection (the server holds each until the connection closes). */
const MAX_PER_CONNECTION = 200;
/** Statement texts counted; past this the counts start again, so that varied one-off queries cannot pile up. */
const MAX_COUNTED = 2000;

/**
 * Kysely's PostgreSQL driver sends every query as an unnamed statement, which the server parses and plans on
 * every call. mzi runs a few statements very often (the worker's student upsert, outcome and attempt row for
 * every event; the appender's lookups and insert for every group commit), and for such short statements
 * parsing and planning cost the server as much as running them
 * (docs/PERFORMANCE.md#prepared-statements-with-custom-plans). This pool gives a
 * statement with parameters that has run a few times a name, so that node-postgres prepares it once per
 * connection and then only binds and executes it.
 *
 * A prepared statement whose tables changed shape since (a migration by a newer mzi, while this one still
 * runs) can fail with "cached plan must not change result type": that text then runs unnamed from then on
 * (inside a transaction, the transaction fails once, and the appender and the worker write again).
 * A connection pooler in transaction mode that does not keep prepared statements (PgBouncer before 1.21)
 * needs PG_PREPARED_STATEMENTS=false.
 */
export function preparingPool(pool: pg.Pool): PostgresPool {
  // A prepared statement may switch to a generic plan, made without the parameters' values, and the claim's
  // generic plan is far slower than a custom one (docs/PERFORMANCE.md#prepared-statements-with-custom-plans).
  // Plans stay made for each call's values; what is saved is parsing and analysis (PostgreSQL 12 or later).
  pool.on('connect', (client) => {
    client.query('SET plan_cache_mode = force_custom_plan').catch(() => {});
  });
  const uses = new Map<string, number>();
  const names = new Map<string, string>();
  const unpreparable = new Set<string>();
  const preparedOn = new WeakMap<pg.PoolClient, Set<string>>();

  function nameFor(client: pg.PoolClient, text: string, parameterCount: number): string | undefined {
    if (parameterCount === 0 || unpreparable.has(text)) return undefined;
    const prepared = preparedOn.get(client) ?? new Set<string>();
    preparedOn.set(client, prepared);
    if (!prepared.has(text)) {
      const count = (uses.get(text) ?? 0) + 1;
      if (uses.size >= MAX_COUNTED && count === 1) uses.clear();
      uses.set(text, count);
      if (count < PREPARE_AFTER_USES || prepared.size >= MAX_PER_CONNECTION) return undefined;
      prepared.add(text);
    }
    let name = names.get(text);
    if (!name) {
      name = `mzi_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      names.set(text, name);
    }
    return name;
  }

  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      const wrapped = {
        query(textOrCursor: unknown, parameters?: ReadonlyArray<unknown>) {
          if (typeof textOrCursor !== 'string') return client.query(textOrCursor as pg.Submittable);
          const values = [...(parameters ?? [])];
          const name = nameFor(client, textOrCursor, values.length);
          if (!name) return client.query(textOrCursor, values);
          return client.query({ name, text: textOrCursor, values }).catch((error: unknown) => {
            if (!isStalePlan(error)) throw error;
            unpreparable.add(textOrCursor);
            return client.query(textOrCursor, values);
          });
        },
        release: (destroy?: boolean) => client.release(destroy),
      };
      return wrapped as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}

function isStalePlan(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error as { code?: unknown }).code === '0A000' &&
    error.message.includes('cached plan must not change result type')
  );
}
