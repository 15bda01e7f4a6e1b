/**
 * One HTTP server: /api/auth/* (Better Auth), /api/trpc/* (tRPC), /healthz, and the built SPA.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { nodeHTTPRequestHandler } from "@trpc/server/adapters/node-http";
import { isAPIError } from "better-auth/api";
import { toNodeHandler } from "better-auth/node";
import { sql } from "drizzle-orm";
import { isDatabaseUnavailable } from "../../db/errors";
import { ErrorReason } from "../../shared/errors";
import { CLIENT_IP_HEADER } from "../auth";
import { logger } from "../logger";
import { appRouter } from "../routers";
import { forwardSetCookies } from "../sessions/cookies";
import { tooManyAttemptsMessage } from "../sessions/rate-limit";
import { type AppDependencies, authenticateCookie, createContext } from "../trpc/context";
import { sessionEndedError } from "../trpc/errors";
import { createClientIpResolver } from "./client-ip";
import { applyCors, refuseUnsafeRequest, sendJson, sendRefusal } from "./request-guard";
import { createStaticHandler } from "./static-files";

/** Better Auth endpoints the product uses; the rest (token-returning list-sessions, revoke by token, ...) stay closed. */
const EXPOSED_AUTH_PATHS = new Set([
  "/api/auth/sign-up/email",
  "/api/auth/sign-in/email",
  "/api/auth/sign-out",
  "/api/auth/ok",
  "/api/auth/error",
  // The jwt plugin (ADR 0012): a JWT for the cookie's session (answered by handleToken, after
  // our session policy), and the public keys that verify it.
  "/api/auth/token",
  "/api/auth/jwks",
]);

/** Answered here rather than by Better Auth, whose answer includes the raw session token. */
const GET_SESSION_PATH = "/api/auth/get-session";

/**
 * Answered here, through Better Auth: it mints the JWT, but knows neither our absolute lifetime
 * nor binding, which must apply to the cookie before it is turned into a JWT that binding no
 * longer covers.
 */
const TOKEN_PATH = "/api/auth/token";

/** tRPC bodies larger than this are refused with 413. */
export const MAX_BODY_BYTES = 1_000_000;

export interface HttpServerOptions {
  /** The built SPA (vite build output). */
  staticDir: string;
  /** Called with errors that reached the top (a bug or the database); the client gets a 500 without details. */
  onError?: (error: unknown) => void;
}

/** The whole app as a node:http request listener. */
export function createRequestHandler(deps: AppDependencies, options: HttpServerOptions) {
  const allowedOrigins = new Set(deps.config.trustedOrigins);
  const authHandler = toNodeHandler((request: Request) =>
    deps.auth.handler(request).then(withRateLimitShape).then(withLimitRefusalStatus),
  );
  const serveStatic = createStaticHandler(options.staticDir);
  const reportError =
    options.onError ?? ((error) => logger.error({ err: error }, "Request failed"));
  const resolveClientIp = createClientIpResolver(deps.config.trustedProxies);

  async function handleTrpc(req: IncomingMessage, res: ServerResponse, pathname: string) {
    const resHeaders = new Headers();
    await nodeHTTPRequestHandler({
      req,
      res,
      path: pathname.slice("/api/trpc/".length),
      router: appRouter,
      maxBodySize: MAX_BODY_BYTES,
      createContext: () => createContext({ deps, headers: toHeaders(req), resHeaders }),
      // Cookies set by procedures (refresh, sign-out, re-authentication) reach the browser here.
      responseMeta: () => ({ headers: resHeaders }),
      onError: ({ error }) => {
        if (error.code === "INTERNAL_SERVER_ERROR") reportError(error);
      },
    });
  }

  async function handleGetSession(req: IncomingMessage, res: ServerResponse) {
    const result = await deps.auth.api.getSession({ headers: toHeaders(req), returnHeaders: true });
    for (const cookie of result.headers.getSetCookie()) res.appendHeader("set-cookie", cookie);
    const found = result.response;
    sendJson(res, 200, found ? { session: withoutToken(found.session), user: found.user } : null);
  }

  /**
   * A JWT for the session of the request's cookie (never for a bearer JWT: a JWT cannot renew
   * itself), after the same policies as any cookie request. Refusals are 401 with Better Auth's
   * error shape (`{ code, message }`), `code` being our reason.
   */
  async function handleToken(req: IncomingMessage, res: ServerResponse) {
    if (req.method !== "GET") {
      res.setHeader("allow", "GET");
      return sendJson(res, 405, { code: "METHOD_NOT_ALLOWED", message: "Use GET" });
    }
    const headers = toHeaders(req);
    const resHeaders = new Headers();
    const cookie = await authenticateCookie(deps, headers, resHeaders);
    const issued = cookie.auth
      ? await deps.auth.api.getToken({ headers, returnHeaders: true }).catch((error: unknown) => {
          // Better Auth did not find the session our policy just accepted: it ended in between.
          if (isAPIError(error) && error.status === "UNAUTHORIZED") return null;
          throw error;
        })
      : null;
    if (issued) forwardSetCookies(issued.headers, resHeaders);
    for (const line of resHeaders.getSetCookie()) res.appendHeader("set-cookie", line);
    if (issued) return sendJson(res, 200, { token: issued.response.token });
    const refusal = sessionEndedError(await cookie.explainNoSession());
    sendJson(res, 401, { code: refusal.reason, message: refusal.message });
  }

  /** A cookie signed with a previous secret, rewritten to the current signature (in place). */
  async function resignCookieForBetterAuth(req: IncomingMessage) {
    const cookie = req.headers.cookie;
    if (!cookie) return;
    const headers = new Headers({ cookie });
    if (await deps.resignCookie(headers)) req.headers.cookie = headers.get("cookie") ?? cookie;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    // Better Auth records the client IP from CLIENT_IP_HEADER: whatever the client sent in it is
    // replaced by the address we worked out ourselves.
    const forwardedFor = req.headers["x-forwarded-for"];
    req.headers[CLIENT_IP_HEADER] = resolveClientIp(
      req.socket.remoteAddress,
      Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor,
    );
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;

    if (pathname === "/healthz") {
      const healthy = await deps.db.execute(sql`select 1`).then(
        () => true,
        () => false,
      );
      sendJson(res, healthy ? 200 : 503, {
        ok: healthy,
        database: healthy ? "up" : "down",
        // "bypassed": the invalidation channel is down, every request reads the database.
        sessionCache: deps.sessionCache.isTrusted ? "trusted" : "bypassed",
      });
      return;
    }
    if (pathname.startsWith("/api/")) {
      if (applyCors(req, res, allowedOrigins)) return;
      // One CSRF rule for tRPC and Better Auth alike (Better Auth's own check let a foreign
      // Origin sign a user out).
      const refusal = refuseUnsafeRequest(req, allowedOrigins);
      if (refusal) return sendRefusal(res, refusal);
      if (pathname.startsWith("/api/trpc/")) return handleTrpc(req, res, pathname);
      if (pathname === TOKEN_PATH) return handleToken(req, res);
      // Better Auth verifies with the current secret only (tRPC and the token path re-sign in
      // their context, and send the browser the re-signed cookie).
      if (pathname === GET_SESSION_PATH || EXPOSED_AUTH_PATHS.has(pathname)) {
        await resignCookieForBetterAuth(req);
      }
      if (pathname === GET_SESSION_PATH) return handleGetSession(req, res);
      if (EXPOSED_AUTH_PATHS.has(pathname)) {
        const tooLarge = refuseLargeBody(req, MAX_BODY_BYTES);
        if (tooLarge) return sendJson(res, tooLarge.status, { message: tooLarge.message });
        return authHandler(req, res);
      }
      return sendJson(res, 404, { error: { message: `No API route ${pathname}` } });
    }
    return serveStatic(req, res);
  }

  return (req: IncomingMessage, res: ServerResponse) => {
    if (logger.isLevelEnabled("debug")) logRequest(req, res);
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        reportError(error);
        res.destroy();
      } else if (isDatabaseUnavailable(error)) {
        sendJson(res, 503, {
          error: { message: "The service is temporarily unavailable. Try again in a moment." },
        });
      } else {
        reportError(error);
        sendJson(res, 500, { error: { message: "Internal server error" } });
      }
    });
  };
}

export function createHttpServer(deps: AppDependencies, options: HttpServerOptions) {
  return createServer(createRequestHandler(deps, options));
}

/**
 * One debug line per request when it ends: the path without its query (tRPC inputs), the
 * status, the duration and the request headers, whose cookie and authorization are redacted.
 */
function logRequest(req: IncomingMessage, res: ServerResponse) {
  const startedMs = performance.now();
  res.once("finish", () => {
    logger.debug(
      {
        req: {
          method: req.method,
          path: new URL(req.url ?? "/", "http://localhost").pathname,
          headers: req.headers,
        },
        res: { status: res.statusCode, headers: { "set-cookie": res.getHeader("set-cookie") } },
        ms: Math.round(performance.now() - startedMs),
      },
      "request",
    );
  });
}

function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

/**
 * Better Auth reads whatever body it is sent. Browsers send Content-Length with a fetch body, so
 * a declared size over the limit gets 413 and a body without a declared size 411.
 */
function refuseLargeBody(req: IncomingMessage, maxBytes: number) {
  if (req.method === "GET" || req.method === "HEAD") return null;
  const declared = req.headers["content-length"];
  if (declared === undefined) {
    return req.headers["transfer-encoding"]
      ? { status: 411, message: "Send the body with a Content-Length" }
      : null;
  }
  return Number(declared) > maxBytes
    ? { status: 413, message: `Request bodies are limited to ${maxBytes} bytes` }
    : null;
}

/**
 * A sign-in refused by the session limit (policy `deny`) reaches Better Auth as its own failure
 * to create a session, whose 401 status it keeps although our hook replaced the error with
 * SESSION_LIMIT_REACHED. The refusal is a 403.
 */
async function withLimitRefusalStatus(response: Response): Promise<Response> {
  if (response.status !== 401) return response;
  const body = (await response
    .clone()
    .json()
    .catch(() => null)) as { code?: unknown } | null;
  if (body?.code !== ErrorReason.SESSION_LIMIT_REACHED) return response;
  return new Response(response.body, { status: 403, headers: response.headers });
}

/**
 * Better Auth's own limiter (per IP) answers 429 with a bare message and `X-Retry-After`; our
 * per-account limit answers 429 with `TOO_MANY_REQUESTS` and `Retry-After`. Both leave here in
 * the second shape, which the SPA reads.
 */
async function withRateLimitShape(response: Response): Promise<Response> {
  if (response.status !== 429) return response;
  const retryAfterSec = Math.max(
    1,
    Number(response.headers.get("retry-after") ?? response.headers.get("x-retry-after")) || 1,
  );
  const headers = new Headers(response.headers);
  headers.delete("x-retry-after");
  headers.delete("content-length");
  headers.set("retry-after", String(retryAfterSec));
  headers.set("content-type", "application/json");
  const body = { code: "TOO_MANY_REQUESTS", message: tooManyAttemptsMessage(retryAfterSec) };
  return new Response(JSON.stringify(body), { status: 429, headers });
}

function withoutToken<T extends { token?: unknown }>(session: T): Omit<T, "token"> {
  const { token: _token, ...rest } = session;
  return rest;
}
