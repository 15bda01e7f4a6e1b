/**
 * Structured logs never carry a secret: the real server process at LOG_LEVEL=debug goes through
 * sign-up, a wrong password, a tRPC call with the cookie and a revocation, and its whole output
 * is searched for the session token, the cookie values, the passwords and BETTER_AUTH_SECRET.
 * The logger's own scrubbing (SQL parameters, headers) is pinned in-process.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../server/logger";
import { HttpClient, parseSetCookie } from "../support/http-client";
import { freePort, run, stop, waitForListening } from "../support/server-process";

const dataDir = mkdtempSync(path.join(tmpdir(), "sessions-logs-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const SESSION_COOKIE = "better-auth.session_token";

/** Every line parses as a JSON object with a level, a time and a message. */
function parseLines(output: string) {
  return output
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(entry).toEqual(
        expect.objectContaining({
          level: expect.any(String),
          time: expect.any(String),
          msg: expect.any(String),
        }),
      );
      return entry;
    });
}

describe("structured logs", () => {
  it("never contain a token, a cookie, a password or the secret, and are JSON lines", async () => {
    const secret = randomBytes(32).toString("base64url");
    const password = `pw-${randomBytes(12).toString("hex")}`;
    const wrongPassword = `wrong-${randomBytes(12).toString("hex")}`;
    const port = await freePort();
    const server = run({
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: "debug",
      BETTER_AUTH_SECRET: secret,
    });
    await waitForListening(server);
    const client = new HttpClient(`http://localhost:${port}`);
    const email = `logs-${randomBytes(4).toString("hex")}@example.com`;

    expect((await client.signUp({ name: "Logs", email, password })).status).toBe(200);
    const cookieValues = client.lastSetCookies.map((line) => parseSetCookie(line).value);
    const signed = decodeURIComponent(
      parseSetCookie(
        client.lastSetCookies.find((line) => line.startsWith(`${SESSION_COOKIE}=`)) ?? "",
      ).value,
    );
    const token = signed.slice(0, signed.lastIndexOf("."));
    expect(token).toMatch(/^[A-Za-z0-9]{32}$/);

    const stranger = new HttpClient(`http://localhost:${port}`);
    expect((await stranger.signIn({ email, password: wrongPassword })).status).toBe(401);
    expect((await client.query("session.list")).status).toBe(200);
    // A forged cookie carrying the real token with a bad signature, and a garbage bearer token.
    await client.request("/api/trpc/session.current", {
      headers: { cookie: `${SESSION_COOKIE}=${encodeURIComponent(`${token}.${"A".repeat(43)}=`)}` },
    });
    await client.request("/api/trpc/session.current", {
      headers: { authorization: `Bearer ${token}` },
    });
    expect((await client.mutate("session.revokeAll")).status).toBe(200);
    expect((await client.query("session.list")).status).toBe(401);
    expect(await stop(server.child, server.exited)).toBe(0);

    const output = server.output();
    const entries = parseLines(output);
    expect(entries.some((entry) => String(entry.msg).startsWith("Listening on"))).toBe(true);
    // Request lines (debug) carry the headers, with cookie and authorization redacted.
    expect(entries.some((entry) => entry.level === "debug" && entry.msg === "request")).toBe(true);
    expect(output).toContain('"cookie":"[redacted]"');
    expect(output).toContain('"authorization":"[redacted]"');
    for (const forbidden of [token, signed, secret, password, wrongPassword, ...cookieValues]) {
      expect(output).not.toContain(forbidden);
      expect(output).not.toContain(encodeURIComponent(forbidden));
    }
  }, 90_000);
});

describe("the logger", () => {
  function capture() {
    const lines: string[] = [];
    const log = createLogger({ level: "debug", destination: { write: (l) => lines.push(l) } });
    return { log, text: () => lines.join("") };
  }

  it("cuts a failed query's parameters off an error's message, stack and cause", () => {
    const { log, text } = capture();
    const token = randomBytes(24).toString("base64url");
    const cause = Object.assign(new Error(`duplicate key; params: ${token}`), {
      parameters: [token],
      code: "23505",
    });
    const error = new Error(
      `Failed query: select * from "session" where "token" = $1\nparams: ${token},2026-11-25`,
      { cause },
    );
    log.error({ err: error }, "Request failed");
    log.error(error);
    log.warn(`Failed query: update "session" params: ${token}`);
    expect(text()).not.toContain(token);
    expect(text()).toContain("Failed query: select * from");
    expect(text()).toContain("23505");
  });

  it("redacts cookies, authorization headers, passwords, tokens and secrets", () => {
    const { log, text } = capture();
    const values = Array.from({ length: 8 }, () => randomBytes(16).toString("hex"));
    log.info(
      {
        req: { headers: { cookie: `a=${values[0]}`, authorization: `Bearer ${values[1]}` } },
        res: { headers: { "set-cookie": `b=${values[2]}` } },
        body: { password: values[3] },
        session: { token: values[4] },
        config: { secret: values[5] },
        detail: [{ token: values[6] }],
      },
      `cookie better-auth.session_token=${values[7]}; Path=/`,
    );
    for (const value of values) expect(text()).not.toContain(value);
    expect(text()).toContain("[redacted]");
  });
});
