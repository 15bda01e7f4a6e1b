/**
 * /api/auth/*: the Better Auth endpoints the product exposes, and nothing else.
 *
 * - GET /api/auth/get-session and GET /api/auth/token are answered here, after the session gate
 *   (server/sessions/authenticate/gate.ts), through Better Auth's server API.
 * - POST /api/auth/sign-out passes the gate too (binding is flagged or enforced there like
 *   anywhere), then Better Auth ends the session and clears the cookies.
 * - The other routed endpoints (ROUTED_AUTH_PATHS) go to Better Auth's router in a request we
 *   build ourselves: its URL is BASE_URL plus the exact path we checked, never anything derived
 *   from `Host`, `X-Forwarded-Host`, `X-Forwarded-Proto` or an absolute-form request target
 *   (Better Auth's node handler routes on a URL built from those, which let a request reach any
 *   endpoint past an allowlist checked on the request line).
 * - Everything else is 404, and closed inside Better Auth as well (`disabledPaths`). A closed
 *   Better Auth endpoint answers in Better Auth's error shape with code ENDPOINT_CLOSED and a
 *   message naming what replaces it (CLOSED_AUTH_ENDPOINTS), so `better-auth/client` shows it as
 *   `error.message`; any other path is NOT_FOUND.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isAPIError } from "better-auth/api";
import { EMAIL_TAKEN_MESSAGE, ErrorReason } from "../../shared/errors";
import { tooManyAttemptsMessage } from "../account/attempt-limit";
import { closedEndpointPaths, ROUTED_AUTH_PATHS } from "../auth/better-auth";
import type { AppDependencies } from "../dependencies";
import { appRouter } from "../routers";
import { forwardSetCookies } from "../sessions/authenticate/cookies";
import { sessionEndedError } from "../trpc/errors";
import { MAX_BODY_BYTES, type RequestTarget, readBody, toHeaders } from "./request";
import { sendJson } from "./request-guard";

export const AUTH_PREFIX = "/api/auth";

/** Every path of /api/auth/* that answers; the rest are 404. */
export const EXPOSED_AUTH_PATHS: ReadonlySet<string> = new Set([
  ...[...ROUTED_AUTH_PATHS].map((path) => `${AUTH_PREFIX}${path}`),
  `${AUTH_PREFIX}/get-session`,
  `${AUTH_PREFIX}/token`,
]);

/** What a closed Better Auth endpoint answers, with 404: Better Auth's `{ code, message }` shape. */
export const ENDPOINT_CLOSED = "ENDPOINT_CLOSED";

/**
 * What replaces a closed Better Auth endpoint: a tRPC procedure of ours (`use`, with a `note` on
 * how it differs), or nothing (`unavailable`, and why).
 */
export type ClosedEndpoint = { use: string; note?: string } | { unavailable: string };

const NO_SOCIAL = "this server signs in with email and password only (no social providers)";

/**
 * Every Better Auth endpoint of the instance that is not exposed, keyed by Better Auth's path
 * (`:param` segments as Better Auth writes them), with what a client uses instead. Its answer is
 * 404 ENDPOINT_CLOSED with a message built from this entry. test/http/better-auth-client.test.ts
 * fails when an endpoint of the instance is neither exposed nor listed here (a Better Auth upgrade
 * adding one): name its replacement, or say why there is none. Until then such an endpoint is
 * closed all the same and answers a generic ENDPOINT_CLOSED message.
 */
export const CLOSED_AUTH_ENDPOINTS: Readonly<Record<string, ClosedEndpoint>> = {
  "/list-sessions": { use: "session.list", note: "it never returns a session token" },
  "/revoke-session": {
    use: "session.revoke",
    note: "it takes a session id from session.list, not a token",
  },
  "/revoke-other-sessions": { use: "session.revokeOthers" },
  "/revoke-sessions": { use: "session.revokeAll" },
  "/update-session": { unavailable: "a session has no fields a client may set" },
  "/change-password": { use: "account.changePassword" },
  "/change-email": { use: "account.changeEmail" },
  "/update-user": {
    use: "account.changeName",
    note: "it sets the display name, the one field of the user it may change (the email has account.changeEmail)",
  },
  "/delete-user": { use: "account.delete" },
  "/delete-user/callback": {
    use: "account.delete",
    note: "deleting an account is confirmed by a recent password, not by mail",
  },
  "/verify-password": {
    use: "session.reauthenticate",
    note: "it confirms the password and replaces the session with a fresh one",
  },
  "/sign-in/social": { unavailable: NO_SOCIAL },
  "/callback/:id": { unavailable: NO_SOCIAL },
  "/link-social": { unavailable: NO_SOCIAL },
  "/unlink-account": { unavailable: NO_SOCIAL },
  "/list-accounts": { unavailable: `${NO_SOCIAL}, so an account has no linked accounts to list` },
  "/account-info": { unavailable: NO_SOCIAL },
  "/refresh-token": { unavailable: `${NO_SOCIAL}, so there are no provider tokens` },
  "/get-access-token": { unavailable: `${NO_SOCIAL}, so there are no provider tokens` },
  "/request-password-reset": {
    use: "links.requestPasswordReset",
    note: "its link's token is stored hashed and works once",
  },
  "/reset-password": {
    use: "links.resetPassword",
    note: "it also ends every session of the account",
  },
  "/reset-password/:token": {
    use: "links.resetPassword",
    note: "the mailed link opens the SPA's /reset-password page, which calls it",
  },
  "/send-verification-email": { use: "links.requestVerification" },
  "/verify-email": {
    use: "links.verifyEmail",
    note: "its link works once and is stored hashed",
  },
};

type ProcedureDef = { _def: { type: "query" | "mutation" | "subscription" } };

/** `use` as the message says it: the procedure and how it is called over HTTP. */
function describeProcedure(name: string): string {
  const procedures = appRouter._def.procedures as unknown as Record<string, ProcedureDef>;
  const procedure = procedures[name];
  // A wrong name in CLOSED_AUTH_ENDPOINTS is a bug: stop at start-up rather than give bad advice.
  if (!procedure) throw new Error(`CLOSED_AUTH_ENDPOINTS names no procedure '${name}'`);
  const method = procedure._def.type === "query" ? "GET" : "POST";
  return `${name} (${method} /api/trpc/${name})`;
}

/** The message of a closed endpoint's answer, `path` being its path under /api/auth. */
export function closedEndpointMessage(path: string, closed: ClosedEndpoint | undefined): string {
  const endpoint = `${AUTH_PREFIX}${path}`;
  if (!closed) {
    return `${endpoint} is closed on this server: see the README ("Better Auth's client") for what replaces it`;
  }
  if ("unavailable" in closed) {
    return `${endpoint} is closed on this server and nothing replaces it: ${closed.unavailable}`;
  }
  const note = closed.note ? `; ${closed.note}` : "";
  return `Use the tRPC procedure ${describeProcedure(closed.use)}${note}. ${endpoint} is closed on this server`;
}

/** Matches a request path against Better Auth's path patterns (`/callback/:id`), exactly. */
function createPathMatcher<T>(entries: Iterable<[pattern: string, value: T]>) {
  const exact = new Map<string, T>();
  const patterns: { segments: string[]; value: T }[] = [];
  for (const [pattern, value] of entries) {
    if (pattern.includes("/:")) patterns.push({ segments: pattern.split("/"), value });
    else exact.set(pattern, value);
  }
  return (path: string): T | undefined => {
    const found = exact.get(path);
    if (found !== undefined) return found;
    const segments = path.split("/");
    return patterns.find(
      (p) =>
        p.segments.length === segments.length &&
        p.segments.every((s, i) => (s.startsWith(":") ? segments[i] !== "" : s === segments[i])),
    )?.value;
  };
}

/** The handler of /api/auth/* requests (the target already parsed and checked by the server). */
export function createAuthDoor(deps: AppDependencies) {
  const baseUrl = new URL(deps.config.http.baseUrl);
  // Every endpoint of this instance that is not exposed (a Better Auth upgrade's new ones too),
  // with its message; /get-session and /token are Better Auth endpoints we answer ourselves.
  const exposed = new Set([...EXPOSED_AUTH_PATHS].map((path) => path.slice(AUTH_PREFIX.length)));
  const closedMessage = createPathMatcher(
    closedEndpointPaths(deps.auth.api)
      .filter((path) => !exposed.has(path))
      .map((path): [string, string] => [
        path,
        closedEndpointMessage(path, CLOSED_AUTH_ENDPOINTS[path]),
      ]),
  );

  /** The session of the request's cookie, as the gate admits it, or null (cookies cleared). */
  async function admit(headers: Headers, resHeaders: Headers) {
    return deps.gate.authenticateCookie(headers, resHeaders);
  }

  /** Better Auth's answer, without the raw session token (ours has no `token` field). */
  async function handleGetSession(req: IncomingMessage, res: ServerResponse, headers: Headers) {
    // The methods Better Auth declares for get-session.
    if (req.method !== "GET" && req.method !== "POST") {
      res.setHeader("allow", "GET, POST");
      return sendJson(res, 405, { code: "METHOD_NOT_ALLOWED", message: "Use GET" });
    }
    const resHeaders = new Headers();
    const { auth } = await admit(headers, resHeaders);
    writeSetCookies(res, resHeaders);
    sendJson(res, 200, auth ? { session: withoutToken(auth.session), user: auth.user } : null);
  }

  /**
   * A JWT for the session of the request's cookie (never for a bearer JWT: a JWT cannot renew
   * itself), after the gate. Refusals are 401 with Better Auth's error shape (`{ code, message }`),
   * `code` being our reason.
   */
  async function handleToken(req: IncomingMessage, res: ServerResponse, headers: Headers) {
    if (req.method !== "GET") {
      res.setHeader("allow", "GET");
      return sendJson(res, 405, { code: "METHOD_NOT_ALLOWED", message: "Use GET" });
    }
    const resHeaders = new Headers();
    const admitted = await admit(headers, resHeaders);
    const issued = admitted.auth
      ? await deps.auth.api.getToken({ headers, returnHeaders: true }).catch((error: unknown) => {
          // Better Auth did not find the session the gate just admitted: it ended in between.
          if (isAPIError(error) && error.status === "UNAUTHORIZED") return null;
          throw error;
        })
      : null;
    if (issued) forwardSetCookies(issued.headers, resHeaders);
    writeSetCookies(res, resHeaders);
    if (issued) return sendJson(res, 200, { token: issued.response.token });
    const refusal = sessionEndedError(await admitted.explainNoSession());
    sendJson(res, 401, { code: refusal.reason, message: refusal.message });
  }

  /** One of ROUTED_AUTH_PATHS, handed to Better Auth's router on our own URL. */
  async function handleRouted(
    req: IncomingMessage,
    res: ServerResponse,
    target: RequestTarget,
    headers: Headers,
  ) {
    const resHeaders = new Headers();
    if (target.pathname === `${AUTH_PREFIX}/sign-out`) await admit(headers, resHeaders);
    else await deps.gate.prepareCookies(headers);
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body.refusal) {
      const code = body.refusal.status === 413 ? "PAYLOAD_TOO_LARGE" : "LENGTH_REQUIRED";
      return sendJson(res, body.refusal.status, { code, message: body.refusal.message });
    }
    headers.set("host", baseUrl.host);
    const request = new Request(new URL(`${target.pathname}${target.search}`, baseUrl), {
      method: req.method ?? "GET",
      headers,
      ...(body.bytes ? { body: body.bytes } : {}),
    });
    const response = await deps.auth
      .handler(request)
      .then(withRateLimitShape)
      .then(withLimitRefusalStatus)
      .then(withTakenEmailShape);
    writeSetCookies(res, resHeaders);
    await sendResponse(res, response);
  }

  return async function handleAuth(
    req: IncomingMessage,
    res: ServerResponse,
    target: RequestTarget,
  ) {
    if (!EXPOSED_AUTH_PATHS.has(target.pathname)) {
      const closed = closedMessage(target.pathname.slice(AUTH_PREFIX.length));
      return sendJson(
        res,
        404,
        closed
          ? { code: ENDPOINT_CLOSED, message: closed }
          : {
              code: "NOT_FOUND",
              message: `No endpoint ${target.pathname}: see the README for the API`,
            },
      );
    }
    const headers = withoutProxyHeaders(toHeaders(req));
    if (target.pathname === `${AUTH_PREFIX}/get-session`) {
      return handleGetSession(req, res, headers);
    }
    if (target.pathname === `${AUTH_PREFIX}/token`) return handleToken(req, res, headers);
    return handleRouted(req, res, target, headers);
  };
}

/** Routing, origin and cookie decisions never read these: BASE_URL says where we are. */
function withoutProxyHeaders(headers: Headers): Headers {
  headers.delete("x-forwarded-host");
  headers.delete("x-forwarded-proto");
  headers.delete("forwarded");
  return headers;
}

function writeSetCookies(res: ServerResponse, resHeaders: Headers) {
  for (const line of resHeaders.getSetCookie()) res.appendHeader("set-cookie", line);
}

/** Writes a fetch Response (Better Auth's) to the node response, Set-Cookie lines kept apart. */
async function sendResponse(res: ServerResponse, response: Response) {
  for (const [name, value] of response.headers) {
    if (name === "set-cookie") continue;
    res.setHeader(name, value);
  }
  for (const line of response.headers.getSetCookie()) res.appendHeader("set-cookie", line);
  res.statusCode = response.status;
  res.end(Buffer.from(await response.arrayBuffer()));
}

/**
 * A sign-in refused by the session limit (policy `deny`) reaches Better Auth as its own failure
 * to create a session, whose 401 status it keeps although our hook replaced the error with
 * SESSION_LIMIT_REACHED. The refusal is a 403.
 */
async function withLimitRefusalStatus(response: Response): Promise<Response> {
  if (response.status !== 401) return response;
  if ((await errorCode(response)) !== ErrorReason.SESSION_LIMIT_REACHED) return response;
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
  const answer = replaceBody(response, 429, {
    code: "TOO_MANY_REQUESTS",
    message: tooManyAttemptsMessage(retryAfterSec),
  });
  answer.headers.delete("x-retry-after");
  answer.headers.set("retry-after", String(retryAfterSec));
  return answer;
}

/**
 * Sign-up with an address that has an account answers exactly as `account.changeEmail` does:
 * 409 with reason EMAIL_TAKEN and the same message (ADR 0019), instead of Better Auth's 422.
 */
async function withTakenEmailShape(response: Response): Promise<Response> {
  if (response.status !== 422) return response;
  if ((await errorCode(response)) !== "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL") return response;
  return replaceBody(response, 409, {
    code: ErrorReason.EMAIL_TAKEN,
    message: EMAIL_TAKEN_MESSAGE,
  });
}

/** The `code` of Better Auth's JSON error body (`{ code, message }`), if it has one. */
async function errorCode(response: Response): Promise<unknown> {
  const body = (await response
    .clone()
    .json()
    .catch(() => null)) as { code?: unknown } | null;
  return body?.code;
}

/** `response` with this status and JSON body, its other headers (Set-Cookie among them) kept. */
function replaceBody(response: Response, status: number, body: unknown): Response {
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  headers.set("content-type", "application/json");
  return new Response(JSON.stringify(body), { status, headers });
}

function withoutToken<T extends { token?: unknown }>(session: T): Omit<T, "token"> {
  const { token: _token, ...rest } = session;
  return rest;
}
