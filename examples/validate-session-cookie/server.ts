/**
 * Another service that trusts this app's sessions: GET /me answers 200 {"userId"} for a live
 * session, 401 for anything else, 503 when the session store (the app's database) fails.
 * Env: DATABASE_URL (the app's database), BETTER_AUTH_SECRET, SESSION_ABSOLUTE_LIFETIME_SEC (the
 * app's value), optional BETTER_AUTH_PREVIOUS_SECRETS, COOKIE_PREFIX, HOST (default 127.0.0.1)
 * and PORT (default 4000).
 *   node --import tsx examples/validate-session-cookie/server.ts
 */
import { createServer, type ServerResponse } from "node:http";
import postgres from "postgres";
import { createSessionCookieValidator, sessionCookieFromHeader } from "./validate-session-cookie";

/** Trimmed, as the app reads its own configuration (server/env.ts). */
function required(name: string): string {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const sql = postgres(required("DATABASE_URL"), {
  max: 5,
  // An unreachable database answers 503 in seconds, not after postgres.js' 30 s default.
  connect_timeout: 5,
  connection: { application_name: "validate-session-cookie" },
});
const validator = createSessionCookieValidator({
  secret: required("BETTER_AUTH_SECRET"),
  previousSecrets: (process.env.BETTER_AUTH_PREVIOUS_SECRETS ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean),
  absoluteLifetimeSec: Number(required("SESSION_ABSOLUTE_LIFETIME_SEC")),
  query: (text, params) => sql.unsafe(text, params as string[]),
});
const cookiePrefix = process.env.COOKIE_PREFIX || "better-auth";
// Loopback unless told otherwise: this service answers who is signed in to anyone who asks.
const host = process.env.HOST || "127.0.0.1";
const port = Number(process.env.PORT || 4000);

function send(res: ServerResponse, status: number, body: object): void {
  // The answer depends on the cookie: no shared cache may keep it.
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

const server = createServer(async (req, res) => {
  const { pathname } = new URL(req.url ?? "/", "http://localhost");
  if (req.method !== "GET" || pathname !== "/me") return send(res, 404, { error: "not found" });
  try {
    const cookie = sessionCookieFromHeader(req.headers.cookie, cookiePrefix);
    const session = await validator.validate(cookie);
    if (!session) return send(res, 401, { error: "unauthorized" });
    send(res, 200, { userId: session.userId });
  } catch (error) {
    // The message only: postgres.js errors carry the query parameters (the stored token value).
    console.error("session lookup failed:", error instanceof Error ? error.message : "unknown");
    send(res, 503, { error: "session store unavailable" });
  }
});
server.listen(port, host, () => {
  const address = server.address();
  const where = typeof address === "object" && address ? address : { address: host, port };
  const shown = where.address.includes(":") ? `[${where.address}]` : where.address;
  console.log(`listening on http://${shown}:${where.port}`);
});
