/**
 * The server as a user runs it (`node --import tsx server/main.ts`): configuration errors stop
 * it with the variable named; on the embedded database a session survives a restart (data and
 * the generated development secret are kept in DATA_DIR); SIGTERM shuts it down cleanly.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { newCredentials } from "../support/device";
import { HttpClient } from "../support/http-client";
import { freePort, run, stop, waitForListening } from "../support/server-process";

const dataDir = mkdtempSync(path.join(tmpdir(), "sessions-process-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("the server process", () => {
  it("refuses bad configuration, naming every bad variable", async () => {
    const server = run({ PORT: "not-a-port", SESSION_FRESH_AGE_SEC: "-5", DATA_DIR: dataDir });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain("PORT");
    expect(server.output()).toContain("SESSION_FRESH_AGE_SEC");
  });

  it("requires BETTER_AUTH_SECRET in production", async () => {
    const server = run({ NODE_ENV: "production", DATA_DIR: dataDir });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain("BETTER_AUTH_SECRET is required in production");
  });

  it("keeps sessions across a restart on the embedded database and stops cleanly on SIGTERM", async () => {
    const port = await freePort();
    const env = { PORT: String(port), DATA_DIR: dataDir };
    const first = run(env);
    await waitForListening(first);
    expect(first.output()).toContain("embedded PGlite");
    const client = new HttpClient(`http://localhost:${port}`);
    expect((await client.signUp(newCredentials())).status).toBe(200);
    expect(existsSync(path.join(dataDir, "auth-secret"))).toBe(true);
    expect(await stop(first.child, first.exited)).toBe(0);

    const second = run(env);
    await waitForListening(second);
    client.jar.delete("better-auth.session_data");
    const list = await client.query("session.list");
    expect(list.status).toBe(200);
    expect((await list.json()).result.data).toHaveLength(1);
    expect(await stop(second.child, second.exited)).toBe(0);
    expect(second.output()).toContain("SIGTERM");
  }, 90_000);
});
