/** Statements over many rows that both drivers (postgres.js and PGlite) run alike. */
import { type SQL, sql } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Database } from "./client";

/**
 * Deletes the rows of `table` matching `where`, `batchSize` at a time (by `key`), until none is
 * left; returns how many. Each batch is its own statement, so locks are held briefly.
 */
export async function deleteInBatches(
  db: Database,
  table: PgTable,
  key: PgColumn,
  where: SQL,
  batchSize: number,
): Promise<number> {
  const batch = sql`
    delete from ${table} where ${key} in (
      select ${key} from ${table} where ${where} limit ${batchSize}
    ) returning 1`;
  let total = 0;
  for (;;) {
    const deleted = rowCount(await db.execute(batch));
    total += deleted;
    if (deleted < batchSize) return total;
  }
}

/** Rows returned by `db.execute`, on postgres.js (an array) and PGlite (`{ rows }`) alike. */
export function rowCount(result: unknown): number {
  if (Array.isArray(result)) return result.length;
  return (result as { rows?: unknown[] }).rows?.length ?? 0;
}
