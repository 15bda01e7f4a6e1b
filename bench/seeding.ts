/**
 * Fills a PostgreSQL database with many users and sessions, fast: every row is generated inside
 * the database (`generate_series`, one INSERT … SELECT per batch), nothing row by row from Node.
 * Used by `npm run bench:seed` (bench/seed-sessions.ts) and by the scale phase of `npm run bench`.
 *
 * The per-user session limit (the BEFORE INSERT trigger `session_before_insert`, 5 live sessions
 * by default) would evict all but 5 of each user's 10 sessions, and would cost an advisory lock
 * and a count per row. The seeding connection therefore sets `session_replication_role = replica`,
 * which disables ordinary triggers for that connection only (needs a superuser, which `postgres`
 * is on the bench server). Without superuser rights the seeder falls back to raising
 * `session_policy.max_per_user` for the duration of the seed (slower: the trigger still runs per
 * row) and restores it afterwards.
 *
 * Replica mode also skips the foreign-key triggers: every session's user is inserted first, by
 * the same formula, so the rows are consistent anyway.
 */
import { randomBytes } from "node:crypto";
import postgres from "postgres";

export interface SeedOptions {
  /** Sessions to insert. */
  sessions: number;
  /** Users to insert; session g belongs to user ((g - 1) mod users) + 1. */
  users: number;
  /** Share of the sessions (0..1) that are already past their expiry, for the cleanup to delete. */
  expiredFraction: number;
  /** The sliding lifetime the spread is built on (the standard profile: 7 days). */
  expiresInSec?: number;
  /** The absolute lifetime (30 days): no live session is older. */
  absoluteLifetimeSec?: number;
  /** Rows per INSERT statement (and transaction). */
  batchSize?: number;
  /** One line per batch and per step. */
  log?: (line: string) => void;
}

export interface SeedResult {
  /** Random per seed: the prefix of the seeded users' emails (`seed-<tag>-<n>@seed.test`). */
  tag: string;
  users: number;
  sessions: number;
  expiredSessions: number;
  /** How the per-user session limit trigger was kept out of the way. */
  triggers: "replica" | "raised-limit";
  /** Milliseconds: inserts, then VACUUM ANALYZE + CHECKPOINT. */
  insertMs: number;
  maintenanceMs: number;
  /** Rows in the session table afterwards (the seed's plus whatever was there). */
  sessionRowsAfter: number;
}

const DAY_SEC = 24 * 60 * 60;

/** A few current browsers, so parsed devices differ as they would. */
const USER_AGENTS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
  "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
];

export async function seedSessions(url: string, options: SeedOptions): Promise<SeedResult> {
  const { sessions, users, expiredFraction } = options;
  if (!Number.isInteger(sessions) || sessions < 0) throw new RangeError("sessions must be >= 0");
  if (!Number.isInteger(users) || users < 1) throw new RangeError("users must be >= 1");
  if (!(expiredFraction >= 0 && expiredFraction <= 1)) {
    throw new RangeError("expiredFraction must be between 0 and 1");
  }
  const expiresInSec = options.expiresInSec ?? 7 * DAY_SEC;
  const absoluteLifetimeSec = options.absoluteLifetimeSec ?? 30 * DAY_SEC;
  const batchSize = options.batchSize ?? 50_000;
  const log = options.log ?? (() => {});
  // The random tag makes emails unique per seed (seeding twice into one database works) and the
  // tokens, md5 of a secret-per-seed string, unguessable from this source.
  const tag = randomBytes(4).toString("hex");
  const secret = randomBytes(16).toString("hex");
  const expiredSessions = Math.round(sessions * expiredFraction);

  // One connection: `session_replication_role` is per connection.
  const sql = postgres(url, { max: 1, onnotice: () => {}, idle_timeout: 5 });
  try {
    const [role] = await sql<{ superuser: boolean }[]>`
      select rolsuper as superuser from pg_roles where rolname = current_user`;
    const superuser = role?.superuser === true;
    // The seed is re-creatable: losing its last commits in a crash costs nothing.
    await sql`set synchronous_commit = off`;
    let restoreLimit: number | null = null;
    if (superuser) {
      await sql`set session_replication_role = replica`;
    } else {
      const [policy] = await sql<{ max: number }[]>`
        select max_per_user as max from session_policy where id`;
      restoreLimit = policy?.max ?? null;
      const needed = Math.ceil(sessions / users) + 1;
      log(
        `  not a superuser: raising session_policy.max_per_user to ${needed} during the seed (the trigger still runs per row: slower)`,
      );
      await sql`update session_policy set max_per_user = greatest(max_per_user, ${needed}) where id`;
    }

    const started = performance.now();
    await inBatches(users, batchSize, log, "users", (from, to) => insertUsers(sql, tag, from, to));
    await inBatches(sessions, batchSize, log, "sessions", (from, to) =>
      insertSessions(sql, {
        tag,
        secret,
        users,
        from,
        to,
        expiredUpTo: expiredSessions,
        expiresInSec,
        absoluteLifetimeSec,
      }),
    );
    const insertMs = performance.now() - started;

    if (restoreLimit !== null) {
      await sql`update session_policy set max_per_user = ${restoreLimit} where id`;
    }
    await sql`set session_replication_role = origin`.catch(() => {});

    // Statistics for the planner, hint bits and the visibility map set now rather than by an
    // autovacuum in the middle of a measurement; the checkpoint writes the seed's WAL out now
    // for the same reason.
    log("  vacuum analyze + checkpoint ...");
    const maintenanceStarted = performance.now();
    await sql`vacuum (analyze) "user", "session"`;
    if (superuser) await sql`checkpoint`;
    const maintenanceMs = performance.now() - maintenanceStarted;
    const [count] = await sql<{ n: string }[]>`select count(*) as n from "session"`;
    return {
      tag,
      users,
      sessions,
      expiredSessions,
      triggers: superuser ? "replica" : "raised-limit",
      insertMs: Math.round(insertMs),
      maintenanceMs: Math.round(maintenanceMs),
      sessionRowsAfter: Number(count?.n ?? 0),
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function inBatches(
  total: number,
  batchSize: number,
  log: (line: string) => void,
  what: string,
  insert: (from: number, to: number) => Promise<unknown>,
): Promise<void> {
  const started = performance.now();
  for (let from = 1; from <= total; from += batchSize) {
    const to = Math.min(total, from + batchSize - 1);
    await insert(from, to);
    const seconds = (performance.now() - started) / 1000;
    log(
      `  ${what}: ${to.toLocaleString("en-US")} / ${total.toLocaleString("en-US")} (${Math.round(to / seconds).toLocaleString("en-US")} rows/s)`,
    );
  }
}

type Sql = postgres.Sql;

/** Users 1..n of this seed, with every column of db/schema/auth.ts `user`. */
function insertUsers(sql: Sql, tag: string, from: number, to: number) {
  return sql`
    insert into "user" (id, name, email, email_verified, image, role, created_at, updated_at)
    select
      md5(${tag} || ':u:' || g),
      'Seed User ' || g,
      'seed-' || ${tag} || '-' || g || '@seed.test',
      g % 4 <> 0,
      null,
      'user',
      created,
      created + r2 * (now() - created)
    from (
      select g, r2, now() - r1 * interval '400 days' as created
      from (select g, random() as r1, random() as r2 from generate_series(${from}::int, ${to}::int) as g) as r
    ) as u`;
}

interface SessionBatch {
  tag: string;
  secret: string;
  users: number;
  from: number;
  to: number;
  /** Sessions 1..expiredUpTo are expired, the rest live. */
  expiredUpTo: number;
  expiresInSec: number;
  absoluteLifetimeSec: number;
}

/**
 * Sessions `from..to`. Live ones were last active within 85 % of the sliding lifetime and created
 * within 95 % of the absolute lifetime, so each has more than a day left; expired ones were last
 * active 7-67 days ago (sliding lifetime + up to 60 days) and created up to 95 % of the absolute
 * lifetime before that. `expires_at` is what Better Auth and our trigger would have left:
 * last activity + sliding lifetime, capped at creation + absolute lifetime. `token` is what the
 * app stores (ADR 0020): SHA-256 hex of a token like Better Auth's, 32 characters of [A-Za-z0-9].
 */
function insertSessions(sql: Sql, b: SessionBatch) {
  const agents = sql.array(USER_AGENTS);
  return sql`
    insert into "session" (id, token, user_id, expires_at, ip_address, user_agent, created_at, updated_at)
    select
      md5(${b.tag} || ':s:' || g),
      encode(sha256(convert_to(substr(translate(encode(decode(md5(${b.secret} || ':t:' || g) || md5(${b.secret} || ':T:' || g), 'hex'), 'base64'), '+/=', 'AbZ'), 1, 32), 'UTF8')), 'hex'),
      md5(${b.tag} || ':u:' || ((g - 1) % ${b.users}::int + 1)),
      least(active + make_interval(secs => ${b.expiresInSec}::int), created + make_interval(secs => ${b.absoluteLifetimeSec}::int)),
      (1 + (g * 7) % 223) || '.' || (g * 37) % 256 || '.' || (g * 101) % 256 || '.' || 1 + g % 254,
      (${agents}::text[])[1 + g % ${USER_AGENTS.length}::int],
      created,
      active
    from (
      select g, active, active - r2 * span as created
      from (
        select g, r2,
          case when g <= ${b.expiredUpTo}::int
            then now() - make_interval(secs => ${b.expiresInSec}::int) - r1 * interval '60 days'
            else now() - r1 * 0.85 * make_interval(secs => ${b.expiresInSec}::int)
          end as active,
          case when g <= ${b.expiredUpTo}::int
            then 0.95 * make_interval(secs => ${b.absoluteLifetimeSec}::int)
            else 0.95 * make_interval(secs => ${b.absoluteLifetimeSec}::int) - r1 * 0.85 * make_interval(secs => ${b.expiresInSec}::int)
          end as span
        from (select g, random() as r1, random() as r2 from generate_series(${b.from}::int, ${b.to}::int) as g) as r
      ) as a
    ) as s`;
}
