/**
 * `npm run sessions -- <command>`: session administration from the command line, with the same
 * configuration as the server (DATABASE_URL, or the embedded database in DATA_DIR). The commands
 * live in server/sessions/lifecycle/admin-commands.ts; this file parses arguments and prints.
 */
import { parseArgs } from "node:util";
import { openDatabase } from "../db/client";
import { DataDirInUseError } from "../db/data-dir-lock";
import { migrateDatabase } from "../db/migrate";
import { USER_ROLES } from "../db/schema";
import { startSessionStoreWithoutCache } from "../server/app";
import { developmentSecret } from "../server/development-secret";
import { ConfigError, parseConfig } from "../server/env";
import {
  AdminCommandError,
  cleanupSessions,
  isUserRole,
  revokeAllSessions,
  revokeSessionsByEmail,
  setUserRole,
} from "../server/sessions/lifecycle/admin-commands";
import { cleanupPolicy } from "../server/sessions/lifecycle/cleanup";
import { storeSessionPolicy } from "../server/sessions/lifecycle/stored-policy";

const USAGE = `Usage: npm run sessions -- <command> [options]

Commands:
  cleanup                                Delete expired sessions and old session events
  revoke --email <email>                 End every session of a user (recorded as ended by an administrator)
  revoke-all --yes                       End every session of every user (everyone must sign in again)
  set-role --email <email> --role <role> Set a user's role: ${USER_ROLES.join(" or ")}

Options:
  -h, --help                             Show this help

Configuration comes from the environment, as for the server: DATABASE_URL, or the
embedded database in DATA_DIR (default .data). The embedded database can be opened by one
process at a time: while the server runs on it, a command refuses (exit 1) and names the
server; stop the server, run the command, start the server again.`;

/** A mistake in the arguments: told with the usage, exit code 2. */
class UsageError extends Error {}

type Command =
  | { name: "help" }
  | { name: "cleanup" }
  | { name: "revoke"; email: string }
  | { name: "revoke-all" }
  | { name: "set-role"; email: string; role: string };

function parseCommand(argv: string[]): Command {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    // node:util's messages are clear ("Unknown option '--x'"); its stack is not for the operator.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return { name: "help" };
  const [name, ...extra] = positionals;
  if (name === undefined) throw new UsageError("No command given.");
  if (extra.length > 0) throw new UsageError(`Unexpected argument '${extra[0]}'.`);
  const only = (allowed: string[]) => {
    const other = Object.keys(values).find((key) => !allowed.includes(key));
    if (other) throw new UsageError(`'${name}' takes no --${other}.`);
  };
  const email = () => {
    const given = values.email?.trim();
    if (!given?.includes("@")) throw new UsageError(`'${name}' needs --email <email>.`);
    return given;
  };
  switch (name) {
    case "cleanup":
      only([]);
      return { name };
    case "revoke":
      only(["email"]);
      return { name, email: email() };
    case "revoke-all":
      only(["yes"]);
      // Everyone signed out: not something to run by a slip of the keyboard.
      if (!values.yes)
        throw new UsageError("'revoke-all' ends every session of every user: add --yes.");
      return { name };
    case "set-role": {
      only(["email", "role"]);
      const role = values.role;
      if (role === undefined || !isUserRole(role)) {
        throw new UsageError(`'set-role' needs --role ${USER_ROLES.join("|")}.`);
      }
      return { name, email: email(), role };
    }
    default:
      throw new UsageError(`Unknown command '${name}'.`);
  }
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      email: { type: "string" },
      role: { type: "string" },
      yes: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

async function run(command: Exclude<Command, { name: "help" }>): Promise<void> {
  const config = parseConfig(process.env, { developmentSecret });
  const database = await openDatabase({
    ...config.database,
    owner: { kind: "command", label: `npm run sessions -- ${command.name}` },
    maxConnections: 2,
  });
  try {
    await migrateDatabase(database);
    // The triggers read the policy; the cleanup must judge lifetimes as the server does.
    await storeSessionPolicy(database.db, config.session);
    switch (command.name) {
      case "cleanup": {
        const report = await cleanupSessions(database, cleanupPolicy(config), (progress) =>
          console.log(
            `  batch ${progress.batch}: ${progress.deletedSoFar} sessions deleted so far`,
          ),
        );
        if (!report) {
          console.log("Another instance is cleaning up right now; nothing done.");
          return;
        }
        console.log(
          `Cleanup done: ${report.sessionsDeleted} expired sessions deleted, ` +
            `${report.eventsDeleted} old events deleted, ` +
            `${report.accountRateLimitsDeleted} ended account rate-limit counters deleted, ` +
            `${report.linksDeleted} spent mail links and ${report.mailsDeleted} old mails deleted, ${report.batches} batches, ` +
            `${(report.ms / 1000).toFixed(1)} s.`,
        );
        return;
      }
      case "revoke":
      case "revoke-all": {
        // Returns once every running server has dropped the ended sessions from its cache.
        const store = await startSessionStoreWithoutCache(database);
        try {
          if (command.name === "revoke") {
            const result = await revokeSessionsByEmail(store.sessions, command.email);
            console.log(`Ended ${result.sessionsEnded} session(s) of ${result.email}.`);
          } else {
            const result = await revokeAllSessions(store.sessions);
            console.log(`Ended ${result.sessionsEnded} session(s) of every user.`);
          }
        } finally {
          await store.stop();
        }
        return;
      }
      case "set-role": {
        const result = await setUserRole(database.db, command.email, command.role);
        console.log(`${result.email}: role ${result.previousRole} -> ${result.role}.`);
        return;
      }
    }
  } finally {
    await database.close();
  }
}

async function main(argv: string[]): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (command.name === "help") {
    console.log(USAGE);
    return 0;
  }
  try {
    await run(command);
    return 0;
  } catch (error) {
    if (
      error instanceof AdminCommandError ||
      error instanceof ConfigError ||
      error instanceof DataDirInUseError
    ) {
      console.error(error.message);
      return 1;
    }
    if (isDatabaseUnavailable(error)) {
      console.error(`The database could not be used: ${error.message}`);
      return 1;
    }
    // Anything else is a bug: its stack trace helps.
    throw error;
  }
}

/**
 * A wrong DATABASE_URL or a server that is down (a network error, PostgreSQL refusing the
 * connection or the database): the operator's to fix, told without a stack trace.
 */
function isDatabaseUnavailable(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    (typeof code === "string" && /^(E[A-Z]+|CONNECT_TIMEOUT|CONNECTION_\w+)$/.test(code)) ||
    (error.name === "PostgresError" && typeof code === "string" && /^(08|28|3D)/.test(code))
  );
}

process.exitCode = await main(process.argv.slice(2));
