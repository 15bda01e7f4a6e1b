/**
 * `npm run sessions` as an operator runs it (`node --import tsx scripts/sessions.ts …`), on an
 * embedded database in a temporary DATA_DIR: exit codes, messages without stack traces, and the
 * commands' effect on rows written beside it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../db/client";
import { migrateDatabase } from "../../db/migrate";
import { TEST_SECRET } from "../support/app";
import { runScript } from "../support/server-process";

const dataDir = mkdtempSync(path.join(tmpdir(), "sessions-cli-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function cli(...args: string[]) {
  return runScript("scripts/sessions.ts", args, {
    DATA_DIR: dataDir,
    BETTER_AUTH_SECRET: TEST_SECRET,
    NODE_ENV: "test",
  });
}

/** A stack frame line, as Node prints them for an uncaught error. */
const STACK_FRAME = /^\s+at /m;

describe("the sessions CLI", () => {
  it("--help prints the usage and exits 0", async () => {
    const result = await cli("--help");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Usage: npm run sessions -- <command>");
    expect(result.stdout).toContain("revoke --email <email>");
    expect(result.stderr).toBe("");
  });

  it.each([
    [["frobnicate"], "Unknown command 'frobnicate'."],
    [[], "No command given."],
    [["revoke"], "'revoke' needs --email <email>."],
    [
      ["set-role", "--email", "a@example.com", "--role", "root"],
      "'set-role' needs --role user|admin.",
    ],
    [["cleanup", "--email", "a@example.com"], "'cleanup' takes no --email."],
    [["cleanup", "--force"], "Unknown option '--force'"],
    [["revoke-all"], "'revoke-all' ends every session of every user: add --yes."],
  ])("refuses %j with a message and the usage, exit 2", async (args, message) => {
    const result = await cli(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain("Usage:");
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.stdout).toBe("");
  });

  it("cleanup on an empty database prints a summary and exits 0", async () => {
    const result = await cli("cleanup");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "Cleanup done: 0 expired sessions deleted, 0 old events deleted, 0 ended account rate-limit counters deleted, 0 spent mail links and 0 old mails deleted, 0 batches,",
    );
  }, 60_000);

  it("revoke of an unknown email exits 1 with a clear message and no stack trace", async () => {
    const result = await cli("revoke", "--email", "nobody@example.com");
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe("No user with email 'nobody@example.com'");
    expect(result.stderr).not.toMatch(STACK_FRAME);
  }, 60_000);

  it("set-role, cleanup and revoke act on the rows of the data directory", async () => {
    const email = "operator@example.com";
    // Rows written by the test itself, with the CLI not running (one process owns a PGlite directory).
    const database = await openDatabase({ pgliteDataDir: path.join(dataDir, "pglite") });
    try {
      await migrateDatabase(database);
      await database.db.execute(sql`
        insert into "user" (id, name, email) values ('cli-user', 'Operator', ${email})`);
      await database.db.execute(sql`
        -- session.token holds SHA-256 of a token (ADR 0020).
        insert into session (id, token, user_id, expires_at) values
          ('cli-live', encode(sha256('cli-token-live'), 'hex'), 'cli-user', now() + interval '1 day'),
          ('cli-expired', encode(sha256('cli-token-expired'), 'hex'), 'cli-user', now() - interval '1 second')`);
    } finally {
      await database.close();
    }

    const role = await cli("set-role", "--email", email, "--role", "admin");
    expect(role).toMatchObject({ code: 0, stderr: "" });
    expect(role.stdout.trim()).toBe(`${email}: role user -> admin.`);

    const cleanup = await cli("cleanup");
    expect(cleanup).toMatchObject({ code: 0, stderr: "" });
    expect(cleanup.stdout).toContain("  batch 1: 1 sessions deleted so far");
    expect(cleanup.stdout).toContain("Cleanup done: 1 expired sessions deleted,");

    const revoke = await cli("revoke", "--email", email);
    expect(revoke).toMatchObject({ code: 0, stderr: "" });
    expect(revoke.stdout.trim()).toBe(`Ended 1 session(s) of ${email}.`);
  }, 90_000);

  it("revoke-all --yes ends the sessions of every user", async () => {
    const database = await openDatabase({ pgliteDataDir: path.join(dataDir, "pglite") });
    try {
      await migrateDatabase(database);
      await database.db.execute(sql`
        insert into "user" (id, name, email) values
          ('cli-a', 'A', 'revoke-all-a@example.com'), ('cli-b', 'B', 'revoke-all-b@example.com')`);
      await database.db.execute(sql`
        insert into session (id, token, user_id, expires_at) values
          ('cli-a1', encode(sha256('cli-token-a1'), 'hex'), 'cli-a', now() + interval '1 day'),
          ('cli-a2', encode(sha256('cli-token-a2'), 'hex'), 'cli-a', now() + interval '1 day'),
          ('cli-b1', encode(sha256('cli-token-b1'), 'hex'), 'cli-b', now() + interval '1 day')`);
    } finally {
      await database.close();
    }

    const revokeAll = await cli("revoke-all", "--yes");
    expect(revokeAll).toMatchObject({ code: 0, stderr: "" });
    expect(revokeAll.stdout.trim()).toBe("Ended 3 session(s) of every user.");
  }, 90_000);
});
