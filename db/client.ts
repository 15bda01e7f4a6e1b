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
  /**
   * False when LISTEN would go through a transaction pooler (no `listenUrl`): it would hear
   * nothing, so there is no point in opening a channel.
   */
  canListen: boolean;
}

/** What `tryExclusive` did: ran the task (and what it returned), or left it to the lock holder. */
export type ExclusiveResult<T> = { ran: true; value: T } | { ran: false };

export interface DatabaseOptions {
  /** A PostgreSQL connection string; when absent, PGlite is used. */
  url?: string | undefined;
  /**
   * `transaction`: `url` reaches PostgreSQL through a transaction-pooling proxy (PgBouncer), where
   * consecutive statements may run on different server connections: no prepared statements.
   */
  pooler?: "none" | "transaction";
  /** A direct connection for LISTEN, which a transaction pooler cannot keep; default: `url`. */
  listenUrl?: string | undefined;
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
    const pooled = options.pooler === "transaction";
    const sql = postgres(url, {
      max: options.maxConnections ?? 10,
      // A named prepared statement lives on one server connection; behind a transaction pooler
      // the next execution may land on another one that never saw it (and postgres.js then waits).
      prepare: !pooled,
      // PostgreSQL's NOTICEs ("relation already exists, skipping") are not errors of ours.
      onnotice: () => {},
      // During an outage a request must fail fast (503) and recovery must be quick: postgres.js
      // would otherwise wait a backoff growing to 20 s before each reconnection attempt, and up
      // to 30 s for a connection.
      connect_timeout: 5,
      backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    });
    const listenUrl = options.listenUrl ?? url;
    return {
      db: drizzle(sql, { schema }) as unknown as Database,
      kind: "postgres",
      canListen: !pooled || options.listenUrl !== undefined,
      // Notifications are sent through the pool, not the listening connection: a ping then comes
      // back only if the listener really hears other connections (behind a transaction pooler a
      // LISTEN hears only its own server connection, see ../server/sessions/cache/invalidation.ts).
      channel: (name) =>
        postgresChannel(listenUrl, name, async (payload) => {
          await sql`select pg_notify(${name}, ${payload})`;
        }),
      close: () => sql.end({ timeout: 5 }),
      // Advisory locks are taken for a transaction, never for a session: a session-level lock
      // taken through a transaction pooler would stay on whichever server connection ran it, and
      // its unlock could run on another one. The transaction holds one server connection (and
      // the lock) while the task runs on the pool.
      exclusive: (lockKey, task) =>
        sql.begin(async (transaction) => {
          await transaction`select pg_advisory_xact_lock(${lockKey})`;
          return task();
        }) as Promise<Awaited<ReturnType<typeof task>>>,
      async tryExclusive(lockKey, task) {
        const outcome = await sql.begin(async (transaction) => {
          const [row] = await transaction`select pg_try_advisory_xact_lock(${lockKey}) as "locked"`;
          if (!row?.locked) return { ran: false as const };
          return { ran: true as const, value: await task() };
        });
        return outcome as ExclusiveResult<Awaited<ReturnType<typeof task>>>;
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
    canListen: true,
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
