/**
 * The one database factory. `DATABASE_URL` set: postgres.js on a real PostgreSQL. Unset: embedded
 * PGlite (WASM PostgreSQL) in a data directory, so a new user needs no server. Everything above
 * this file sees the same drizzle `PgDatabase` type and the same SQL.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { type DataDirOwner, lockDataDir } from "./data-dir-lock";
import { type NotificationChannel, pgliteChannel, postgresChannel } from "./notifications";
import * as schema from "./schema";

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export interface DatabaseHandle {
  db: Database;
  /** `postgres` for a real server, `pglite` for the embedded one. */
  kind: "postgres" | "pglite";
  close(): Promise<void>;
  /** Runs `task` while holding a cluster-wide lock (PostgreSQL advisory lock), so two instances starting together never migrate at once. */
  exclusive<T>(lockKey: number, task: () => Promise<T>): Promise<T>;
  /**
   * Runs `task` unless another connection (another instance) holds the same advisory lock, in
   * which case it returns `{ ran: false }` at once instead of waiting: for periodic jobs that
   * one instance doing is enough.
   */
  tryExclusive<T>(lockKey: number, task: () => Promise<T>): Promise<ExclusiveResult<T>>;
  /** A LISTEN/NOTIFY channel on this database (its own connection on PostgreSQL). */
  channel(name: string): NotificationChannel;
}

/** What `tryExclusive` did: ran the task (and what it returned), or left it to the lock holder. */
export type ExclusiveResult<T> = { ran: true; value: T } | { ran: false };

export interface DatabaseOptions {
  /** A PostgreSQL connection string; when absent, PGlite is used. */
  url?: string | undefined;
  /**
   * Where PGlite keeps its files; `undefined` keeps it in memory (tests). A directory is locked
   * for this process until `close()` (or exit): opening one that another process (or this one)
   * has open throws `DataDirInUseError` before anything is read or written.
   */
  pgliteDataDir?: string | undefined;
  /** Who opens the directory, as a refused second process will name it; default: this script. */
  owner?: DataDirOwner;
  /** postgres.js pool size. */
  maxConnections?: number;
}

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  const url = options.url;
  if (url) {
    const { default: postgres } = await import("postgres");
    const { drizzle } = await import("drizzle-orm/postgres-js");
    const sql = postgres(url, {
      max: options.maxConnections ?? 10,
      // PostgreSQL's NOTICEs ("relation already exists, skipping") are not errors of ours.
      onnotice: () => {},
      // During an outage a request must fail fast (503) and recovery must be quick: postgres.js
      // would otherwise wait a backoff growing to 20 s before each reconnection attempt, and up
      // to 30 s for a connection.
      connect_timeout: 5,
      backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    });
    return {
      db: drizzle(sql, { schema }) as unknown as Database,
      kind: "postgres",
      channel: (name) => postgresChannel(url, name),
      close: () => sql.end({ timeout: 5 }),
      async exclusive(lockKey, task) {
        const connection = await sql.reserve();
        try {
          await connection`select pg_advisory_lock(${lockKey})`;
          return await task();
        } finally {
          await connection`select pg_advisory_unlock(${lockKey})`;
          connection.release();
        }
      },
      async tryExclusive(lockKey, task) {
        // A session-level lock lives on one connection, so that connection is reserved for as
        // long as it is held; the task itself runs on the pool.
        const connection = await sql.reserve();
        try {
          const [row] = await connection`select pg_try_advisory_lock(${lockKey}) as "locked"`;
          if (!row?.locked) return { ran: false };
          try {
            return { ran: true, value: await task() };
          } finally {
            await connection`select pg_advisory_unlock(${lockKey})`;
          }
        } finally {
          connection.release();
        }
      },
    };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  let release = () => {};
  if (options.pgliteDataDir) {
    mkdirSync(options.pgliteDataDir, { recursive: true });
    const lock = await lockDataDir(options.pgliteDataDir, options.owner ?? scriptOwner());
    release = lock.release;
  }
  let client: InstanceType<typeof PGlite>;
  try {
    client = await PGlite.create(options.pgliteDataDir);
  } catch (error) {
    release();
    throw error;
  }
  return {
    db: drizzle(client, { schema }) as unknown as Database,
    kind: "pglite",
    channel: (name) => pgliteChannel(client, name),
    // Released once closed, so the next process finds the files complete.
    close: () => client.close().finally(release),
    // One process owns a PGlite data directory (the lock above): nothing to coordinate.
    exclusive: (_lockKey, task) => task(),
    tryExclusive: async (_lockKey, task) => ({ ran: true, value: await task() }),
  };
}

/** The script this process runs, for a lock taken without an owner (a bench child, a test). */
function scriptOwner(): DataDirOwner {
  const script = process.argv[1];
  return {
    kind: "command",
    label: script ? `node ${path.relative(process.cwd(), script)}` : `node (pid ${process.pid})`,
  };
}
