/**
 * One HTTP server, and only the routing: the request line and Host checked, proxy headers
 * dropped, CORS and the CSRF rule applied, then /api/auth/* (./auth-door.ts), /api/trpc/*
 * (./trpc-door.ts), /healthz, and the built SPA (./static-files.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { sql } from "drizzle-orm";
import { isDatabaseUnavailable } from "../../db/errors";
import type { AppDependencies } from "../dependencies";
import { logger } from "../logger";
import { withoutCookie } from "../sessions/authenticate/cookies";
import { CLIENT_IP_HEADER } from "../sessions/lifecycle/request-origin";
import { AUTH_PREFIX, createAuthDoor } from "./auth-door";
import { createClientIpResolver } from "./client-ip";
import { parseRequestTarget } from "./request";
import { applyCors, refuseUnsafeRequest, sendJson, sendRefusal } from "./request-guard";
import { createStaticHandler } from "./static-files";
import { createTrpcDoor } from "./trpc-door";

export interface HttpServerOptions {
  /** The built SPA (vite build output). */
  staticDir: string;
  /** Called with errors that reached the top (a bug or the database); the client gets a 500 without details. */
  onError?: (error: unknown) => void;
}

/** The whole app as a node:http request listener. */
export function createRequestHandler(deps: AppDependencies, options: HttpServerOptions) {
  const allowedOrigins = new Set(deps.config.http.trustedOrigins);
  const reportError =
    options.onError ?? ((error) => logger.error({ err: error }, "Request failed"));
  const handleAuth = createAuthDoor(deps);
  const handleTrpc = createTrpcDoor(deps, reportError);
  const serveStatic = createStaticHandler(options.staticDir);
  const prepareHeaders = createHeaderPreparation(deps);

  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (!ALLOWED_METHODS.has(req.method ?? "")) {
      res.setHeader("allow", [...ALLOWED_METHODS].join(", "));
      return sendJson(res, 405, { error: { message: `Method ${req.method} is not allowed` } });
    }
    const target = parseRequestTarget(req.url);
    const malformed = !target ? "request target" : !hasValidHost(req) ? "Host header" : null;
    if (!target || malformed) {
      // Cheap to send, so never worth an error-level line or a stack.
      logger.warn({ method: req.method }, `Refused a malformed ${malformed}`);
      return sendJson(res, 400, { error: { message: `Malformed ${malformed}` } });
    }
    prepareHeaders(req);

    if (target.pathname === "/healthz") {
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
    if (target.pathname.startsWith("/api/")) {
      if (applyCors(req, res, allowedOrigins)) return;
      // One CSRF rule for tRPC and Better Auth alike (Better Auth's own check let a foreign
      // Origin sign a user out).
      const refusal = refuseUnsafeRequest(req, allowedOrigins);
      if (refusal) {
        const shape = target.pathname.startsWith(`${AUTH_PREFIX}/`) ? "better-auth" : "trpc";
        return sendRefusal(res, refusal, shape);
      }
      if (target.pathname.startsWith("/api/trpc/")) return handleTrpc(req, res, target);
      if (target.pathname.startsWith(`${AUTH_PREFIX}/`)) return handleAuth(req, res, target);
      return sendJson(res, 404, { error: { message: `No API route ${target.pathname}` } });
    }
    return serveStatic(req, res, target.pathname);
  }

  return (req: IncomingMessage, res: ServerResponse) => {
    if (logger.isLevelEnabled("debug")) logRequest(req, res);
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        reportError(error);
        res.destroy();
        return;
      }
      const unavailable = isDatabaseUnavailable(error);
      if (!unavailable) reportError(error);
      const code = unavailable ? "SERVICE_UNAVAILABLE" : "INTERNAL_SERVER_ERROR";
      const message = unavailable
        ? "The service is temporarily unavailable. Try again in a moment."
        : "Internal server error";
      // Better Auth's shape on its door (what better-auth/client reads), ours elsewhere.
      const onAuthDoor = parseRequestTarget(req.url)?.pathname.startsWith(`${AUTH_PREFIX}/`);
      sendJson(
        res,
        unavailable ? 503 : 500,
        onAuthDoor ? { code, message } : { error: { message } },
      );
    });
  };
}

/**
 * What every request's headers go through before anything reads them (the bench's rows run it
 * too): the client IP worked out by us, Host pinned to BASE_URL, proxy headers dropped, Better
 * Auth's cookie cache removed.
 */
export function createHeaderPreparation(
  deps: Pick<AppDependencies, "config" | "cookieNames">,
): (req: IncomingMessage) => void {
  const resolveClientIp = createClientIpResolver(deps.config.http.trustedProxies);
  const publicHost = new URL(deps.config.http.baseUrl).host;
  return (req) => {
    // Better Auth records the client IP from CLIENT_IP_HEADER: whatever the client sent in it is
    // replaced by the address we worked out ourselves.
    const forwardedFor = req.headers["x-forwarded-for"];
    req.headers[CLIENT_IP_HEADER] = resolveClientIp(
      req.socket.remoteAddress,
      Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor,
    );
    // Where we are is BASE_URL's business: no header a client sends decides a route, an origin
    // or a cookie attribute, here or in a library further down.
    req.headers.host = publicHost;
    delete req.headers["x-forwarded-host"];
    delete req.headers["x-forwarded-proto"];
    delete req.headers.forwarded;
    // Better Auth's cookie cache is read by no door (the session gate decides, ADR 0018): it is
    // dropped here, before anything parses the request, which also spares every layer below
    // (tRPC's Request, our Headers) from validating its kilobyte on every request.
    const cookie = req.headers.cookie;
    if (cookie?.includes(deps.cookieNames.sessionData)) {
      const lean = withoutCookie(cookie, deps.cookieNames.sessionData);
      if (lean) req.headers.cookie = lean;
      else delete req.headers.cookie;
    }
  };
}

/**
 * The methods anything here answers (tRPC and Better Auth use GET and POST, CORS preflights
 * OPTIONS). Others, TRACE above all (which fetch's Request refuses to carry), are 405 at once.
 */
const ALLOWED_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "POST", "OPTIONS"]);

/** `host[:port]`: a registered name, IPv4 or bracketed IPv6 literal (RFC 9110 7.2). */
const HOST_PATTERN = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::\d{1,5})?$/;

/**
 * RFC 9112 3.2: exactly one Host line with a valid value (Node itself refuses an HTTP/1.1
 * request without one). We never route by it, but a request that lies about it is refused.
 */
function hasValidHost(req: IncomingMessage): boolean {
  let lines = 0;
  for (let index = 0; index < req.rawHeaders.length; index += 2) {
    if (req.rawHeaders[index]?.toLowerCase() === "host") lines += 1;
  }
  if (lines === 0) return req.httpVersionMajor === 1 && req.httpVersionMinor === 0;
  return lines === 1 && HOST_PATTERN.test(req.headers.host ?? "");
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
          path: parseRequestTarget(req.url)?.pathname ?? "(malformed)",
          headers: req.headers,
        },
        res: { status: res.statusCode, headers: { "set-cookie": res.getHeader("set-cookie") } },
        ms: Math.round(performance.now() - startedMs),
      },
      "request",
    );
  });
}
