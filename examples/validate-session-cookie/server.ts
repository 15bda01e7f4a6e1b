/**
 * Another service that trusts this app's sessions: GET /whoami answers 200 {"userId"} or 401.
 * Env: DATABASE_URL (the app's database), BETTER_AUTH_SECRET, SESSION_ABSOLUTE_LIFETIME_SEC (the
 * app's value), optional COOKIE_PREFIX and PORT.
 *   node --import tsx examples/validate-session-cookie/server.ts
 */
import { createServer, type ServerResponse } from "node:http";
import postgres from "postgres";
import {
  createSessionCookieValidator,
  sessionCookieFromHeader,
} from "../../server/external/validate-session-cookie";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const sql = postgres(required("DATABASE_URL"), { max: 5 });
const validator = createSessionCookieValidator({
  secret: required("BETTER_AUTH_SECRET"),
  absoluteLifetimeSec: Number(required("SESSION_ABSOLUTE_LIFETIME_SEC")),
  query: (text, params) => sql.unsafe(text, params as string[]),
});
const cookiePrefix = process.env.COOKIE_PREFIX || "better-auth";

function send(res: ServerResponse, status: number, body: object): void {
  // The answer depends on the cookie: no shared cache may keep it.
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

const server = createServer(async (req, res) => {
  const { pathname } = new URL(req.url ?? "/", "http://localhost");
  if (req.method !== "GET" || pathname !== "/whoami") return send(res, 404, { error: "not found" });
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
server.listen(Number(process.env.PORT || 4000), () => console.log("listening", server.address()));
