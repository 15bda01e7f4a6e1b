/**
 * The server as a user runs it (`node --import tsx server/main.ts`): configuration errors stop
 * it with the variable named; on the embedded database a session survives a restart (data and
 * the generated development secret are kept in DATA_DIR); SIGTERM shuts it down cleanly.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { newCredentials } from "../support/device";
import { HttpClient } from "../support/http-client";

const dataDir = mkdtempSync(path.join(tmpdir(), "sessions-process-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { child, exited, output: () => output };
}

async function waitForListening(server: ReturnType<typeof run>) {
  for (let i = 0; i < 300; i += 1) {
    if (server.output().includes("Listening on")) return;
    if (server.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server did not start:\n${server.output()}`);
}

async function stop(child: ChildProcess, exited: Promise<number | null>) {
  child.kill("SIGTERM");
  return exited;
}

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
