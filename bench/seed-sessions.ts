/**
 * `npm run bench:seed`: fills a PostgreSQL database with N sessions of N/10 users, for trying
 * the app (or the benchmark) at scale. See docs/benchmarks.md ("Scale").
 *
 *   npm run bench:seed -- [--sessions=1000000] [--users=N/10] [--expired-fraction=0]
 *                         [--database-url=postgres://…] [--batch-size=50000]
 *
 * Without --database-url (or DATABASE_URL), a fresh database is created on the bench server
 * (BENCH_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres) and kept; its URL is
 * printed. The target is migrated first (idempotent, as every server start does).
 */
import { openDatabase } from "../db/client";
import { migrateDatabase } from "../db/migrate";
import { createPostgresDatabase, DEFAULT_ADMIN_URL } from "./database";
import { seedSessions } from "./seeding";

const log = (line: string) => process.stderr.write(`${line}\n`);
const usage =
  "Usage: npm run bench:seed -- [--sessions=N] [--users=N] [--expired-fraction=F] [--database-url=URL] [--batch-size=N]";

const flags = new Map<string, string>();
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i] ?? "";
  const match = /^--(sessions|users|expired-fraction|database-url|batch-size)(?:=(.*))?$/.exec(arg);
  if (!match?.[1]) {
    log(`Unknown option ${arg}\n${usage}`);
    process.exit(2);
  }
  const value = match[2] ?? argv[++i];
  if (value === undefined) {
    log(`${arg} needs a value\n${usage}`);
    process.exit(2);
  }
  flags.set(match[1], value);
}

function integerFlag(name: string, fallback: number): number {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw.replaceAll("_", ""));
  if (!Number.isInteger(value) || value < 0) {
    log(`--${name} must be a whole number >= 0, not ${raw}`);
    process.exit(2);
  }
  return value;
}

const sessions = integerFlag("sessions", 1_000_000);
const users = integerFlag("users", Math.max(1, Math.round(sessions / 10)));
const expiredFraction = Number(flags.get("expired-fraction") ?? "0");
if (!(expiredFraction >= 0 && expiredFraction <= 1)) {
  log(`--expired-fraction must be between 0 and 1, not ${flags.get("expired-fraction")}`);
  process.exit(2);
}
if (users < 1) {
  log("--users must be at least 1");
  process.exit(2);
}
const batchSize = Math.max(1, integerFlag("batch-size", 50_000));

let url = flags.get("database-url") ?? process.env.DATABASE_URL;
if (!url) {
  const created = await createPostgresDatabase(process.env.BENCH_DATABASE_URL || DEFAULT_ADMIN_URL);
  url = created.url;
  log(`Created and migrated ${url} (kept; drop it with: dropdb -h … ${created.name})`);
} else {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    log("--database-url must be a postgres:// URL (PGlite is not supported by the seeder)");
    process.exit(2);
  }
  const handle = await openDatabase({ url, maxConnections: 2 });
  await migrateDatabase(handle).finally(() => handle.close());
}

log(
  `Seeding ${sessions.toLocaleString("en-US")} sessions (${Math.round(expiredFraction * 100)} % expired) for ${users.toLocaleString("en-US")} users ...`,
);
const result = await seedSessions(url, { sessions, users, expiredFraction, batchSize, log });
log(
  `Done: ${result.sessions.toLocaleString("en-US")} sessions (${result.expiredSessions.toLocaleString("en-US")} expired), ${result.users.toLocaleString("en-US")} users (emails seed-${result.tag}-<n>@seed.test) in ${(result.insertMs / 1000).toFixed(1)} s + ${(result.maintenanceMs / 1000).toFixed(1)} s vacuum/analyze; the session table now holds ${result.sessionRowsAfter.toLocaleString("en-US")} rows. Triggers: ${result.triggers === "replica" ? "off for the seeding connection (session_replication_role = replica)" : "on, per-user limit raised during the seed"}.`,
);
process.stdout.write(`${url}\n`);
// The admin connection of a created database stays open otherwise.
process.exit(0);
