/**
 * One process at a time on an embedded database directory (ADR 0017), with real processes: while
 * a server runs on it, the sessions CLI, a second server and db:migrate refuse at once, name the
 * server and change nothing; once it stops, the CLI works; a server killed outright does not
 * block the next start. One server serves the first four tests.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCK_FILE_NAME, type LockRecord } from "../../db/data-dir-lock";
import { TEST_SECRET } from "../support/app";
import { newCredentials } from "../support/device";
import { HttpClient } from "../support/http-client";
import { freePort, run, runScript, startServerProcess, stop } from "../support/server-process";

const dataDir = mkdtempSync(path.join(tmpdir(), "embedded-lock-"));
const lockPath = path.join(dataDir, "pglite", LOCK_FILE_NAME);
const env = { DATA_DIR: dataDir, BETTER_AUTH_SECRET: TEST_SECRET, NODE_ENV: "test" };
const credentials = newCredentials("locked");

let server: Awaited<ReturnType<typeof startServerProcess>>;
let client: HttpClient;
/** Every server started here, so none outlives the suite. */
const started: ReturnType<typeof run>[] = [];

beforeAll(async () => {
  server = await startServerProcess(env);
  started.push(server.server);
  client = new HttpClient(server.url);
  expect((await client.signUp(credentials)).status).toBe(200);
}, 90_000);

afterAll(() => {
  for (const { child } of started) if (child.exitCode === null) child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

/** The session's status as the server finds it in the database (not in the signed cookie cache). */
async function sessionStatus(through: HttpClient): Promise<number> {
  through.jar.delete("better-auth.session_data");
  return (await through.query("session.list")).status;
}

/** What a refusal must say: which server, where, what to do, and that nothing happened. */
function expectRefusalNamingTheServer(message: string) {
  const pid = server.server.child.pid;
  expect(message).toContain(`The embedded database in ${path.join(dataDir, "pglite")}`);
  expect(message).toContain(`in use by a server (pid ${pid}, ${server.url}, since `);
  expect(message).toContain("nothing was done");
  expect(message).toContain(`Stop that server first (Ctrl+C in its terminal, or \`kill ${pid}\`)`);
  expect(message).not.toMatch(/^\s+at /m);
}

describe("an embedded database directory a server runs on", () => {
  it("the lock names the server", () => {
    const lock = JSON.parse(readFileSync(lockPath, "utf8")) as LockRecord;
    expect(lock).toMatchObject({ kind: "server", pid: server.server.child.pid, url: server.url });
  });

  it("the sessions CLI refuses (exit 1), names the server, and ends no session", async () => {
    const result = await runScript(
      "scripts/sessions.ts",
      ["revoke", "--email", credentials.email],
      env,
    );
    expect(result.code).toBe(1);
    expectRefusalNamingTheServer(result.stderr);
    expect(result.stdout).not.toContain("Ended");
    expect(await sessionStatus(client)).toBe(200);
  }, 60_000);

  it("a second server refuses at once (exit 1) and the first one keeps serving", async () => {
    const second = run({
      ...env,
      PORT: String(await freePort()),
      SESSION_CLEANUP_INTERVAL_SEC: "0",
    });
    started.push(second);
    expect(await second.exited).toBe(1);
    expect(second.output()).not.toContain("Listening on");
    const fatal = JSON.parse(second.output().trim().split("\n").at(-1) ?? "{}") as { msg?: string };
    expectRefusalNamingTheServer(fatal.msg ?? "");
    expect(await sessionStatus(client)).toBe(200);
  }, 60_000);

  it("db:migrate refuses (exit 1) and names the server", async () => {
    const result = await runScript("scripts/db-migrate.ts", [], env);
    expect(result.code).toBe(1);
    expectRefusalNamingTheServer(result.stderr);
    expect(result.stdout).not.toContain("Migrations applied");
  }, 60_000);

  it("once the server has stopped (SIGTERM), the lock is gone and the CLI works", async () => {
    expect(await stop(server.server.child, server.server.exited)).toBe(0);
    expect(existsSync(lockPath)).toBe(false);
    const result = await runScript(
      "scripts/sessions.ts",
      ["revoke", "--email", credentials.email],
      env,
    );
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout.trim()).toBe(`Ended 1 session(s) of ${credentials.email}.`);
    expect(existsSync(lockPath)).toBe(false);
  }, 60_000);

  it("a server killed outright (SIGKILL) leaves a stale lock that the next start takes over", async () => {
    const killed = await startServerProcess(env);
    started.push(killed.server);
    killed.server.child.kill("SIGKILL");
    await killed.server.exited;
    const stale = JSON.parse(readFileSync(lockPath, "utf8")) as LockRecord;
    expect(stale.pid).toBe(killed.server.child.pid);

    const next = await startServerProcess(env);
    started.push(next.server);
    const lock = JSON.parse(readFileSync(lockPath, "utf8")) as LockRecord;
    expect(lock).toMatchObject({ pid: next.server.child.pid, url: next.url });
    // The data survived both: the session the CLI ended above is still ended.
    const sameDevice = new HttpClient(next.url);
    for (const name of client.jar.names()) sameDevice.jar.set(name, client.jar.get(name) ?? "");
    expect(await sessionStatus(sameDevice)).toBe(401);
    expect(await stop(next.server.child, next.server.exited)).toBe(0);
    expect(existsSync(lockPath)).toBe(false);
  }, 120_000);
});
