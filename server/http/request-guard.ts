/**
 * CSRF and CORS for the API (ASVS 3.5). Cookies ride along on cross-site requests, so every
 * state-changing request that carries one must prove it comes from an allowed origin.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ErrorReason } from "../../shared/errors";

export type Refusal = { status: 403 | 415; message: string; reason: string | null };

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses a non-JSON unsafe request, and a cookie-bearing one that cannot show it comes from an
 * allowed origin. Returns null when the request may proceed.
 *
 * The rule, for a cookie-bearing unsafe request (POST and anything else not GET/HEAD/OPTIONS):
 * - `Sec-Fetch-Site: cross-site` (set by the browser, a page cannot forge it): refused unless its
 *   `Origin` is on the allowlist (a partner in TRUSTED_ORIGINS is cross-site by nature);
 * - `same-origin`, `same-site`, `none` or no `Sec-Fetch-Site` (older browsers, non-browser
 *   clients): its `Origin` must be on the allowlist; a missing or `null` Origin is refused.
 * Origins are compared exactly (scheme, host, port), so `https://app.example.com.evil.test` or
 * a sibling subdomain is not `https://app.example.com`. With Origin required on every such
 * request, `Sec-Fetch-Site` never lets through what Origin refuses: it names the refusal and keeps
 * the cross-site case closed should the Origin rule ever be relaxed for same-origin requests.
 *
 * Safe methods pass, cookie or not, whatever `Sec-Fetch-Site` says: tRPC answers a mutation
 * called with GET with 405 before running it, queries and Better Auth's GET endpoints change no
 * user data (at most they slide the session's own expiry, as any visit would), and CORS keeps a
 * foreign page from reading the answer. SameSite=Lax already withholds the cookie from
 * cross-site subrequests; it rides along only on top-level navigations, which show the JSON to
 * the user and nobody else.
 */
export function refuseUnsafeRequest(
  req: IncomingMessage,
  allowedOrigins: ReadonlySet<string>,
): Refusal | null {
  if (SAFE_METHODS.has(req.method ?? "GET")) return null;
  // A form can POST cross-site without a preflight (urlencoded, multipart, text/plain); a
  // browser sends a JSON body cross-origin only after a CORS preflight we can refuse.
  const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (contentType !== "application/json") {
    return { status: 415, message: "Send the request body as application/json", reason: null };
  }
  // Without a cookie the request carries no ambient credential: a bearer JWT is added by code
  // that holds it, never by a browser on another site's behalf (ADR 0012).
  if (!req.headers.cookie) return null;
  const origin = req.headers.origin;
  if (origin !== undefined && allowedOrigins.has(origin)) return null;
  const crossSite = req.headers["sec-fetch-site"] === "cross-site";
  return {
    status: 403,
    message: crossSite
      ? `Cross-site request from ${origin ?? "an unnamed origin"} is not allowed`
      : origin
        ? `Origin ${origin} is not allowed`
        : "Missing Origin header",
    reason: ErrorReason.ORIGIN_NOT_ALLOWED,
  };
}

/**
 * CORS with credentials for an exact allowlist, never a wildcard, plus the headers every /api
 * answer carries. Returns true when it answered a preflight itself.
 */
export function applyCors(
  req: IncomingMessage,
  res: ServerResponse,
  allowedOrigins: ReadonlySet<string>,
): boolean {
  keepVaryOrigin(res);
  // No page of another origin may embed an API answer without CORS (an <img>, <script> or
  // no-cors fetch; ASVS 3.5.8), nor have it sniffed into a script (XSSI, ASVS 3.5.7). CORS
  // requests from allowed origins are not subject to this policy.
  res.setHeader("cross-origin-resource-policy", "same-origin");
  res.setHeader("x-content-type-options", "nosniff");
  const origin = req.headers.origin;
  const allowed = origin !== undefined && allowedOrigins.has(origin);
  if (allowed) {
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("access-control-allow-credentials", "true");
  }
  if (req.method !== "OPTIONS" || !req.headers["access-control-request-method"]) return false;
  if (allowed) {
    res.setHeader("access-control-allow-methods", "GET, POST, OPTIONS");
    res.setHeader("access-control-allow-headers", "content-type, authorization, trpc-accept");
    res.setHeader("access-control-max-age", "600");
  }
  res.statusCode = allowed ? 204 : 403;
  res.end();
  return true;
}

/**
 * Every /api answer depends on the request's Origin (the CORS headers above), so every one says
 * `Vary: Origin`, or a shared cache could hand one origin's answer to another. Handlers that set
 * Vary themselves replace ours (tRPC's node adapter sets `vary: trpc-accept, accept` with
 * `setHeader`), so Origin is kept in whatever they set.
 */
function keepVaryOrigin(res: ServerResponse) {
  res.appendHeader("vary", "Origin");
  const setHeader = res.setHeader.bind(res);
  res.setHeader = (name, value) => {
    if (name.toLowerCase() !== "vary") return setHeader(name, value);
    const listed = (typeof value === "object" ? [...value] : [String(value)]).join(", ");
    const hasOrigin = listed.split(",").some((entry) => entry.trim().toLowerCase() === "origin");
    return setHeader(name, hasOrigin ? listed : `${listed}, Origin`);
  };
}

/**
 * A refusal shaped like the door's other errors: for /api/auth/*, Better Auth's `{ code, message }`
 * (what `better-auth/client` reads as `error.code` / `error.message`), `code` being the reason or
 * UNSUPPORTED_MEDIA_TYPE; elsewhere a tRPC error, so the typed client can read `data.code` and
 * `data.reason`.
 */
export function sendRefusal(res: ServerResponse, refusal: Refusal, shape: "trpc" | "better-auth") {
  if (shape === "better-auth") {
    return sendJson(res, refusal.status, {
      code: refusal.reason ?? "UNSUPPORTED_MEDIA_TYPE",
      message: refusal.message,
    });
  }
  const code = refusal.status === 403 ? "FORBIDDEN" : "UNSUPPORTED_MEDIA_TYPE";
  sendJson(res, refusal.status, {
    error: {
      message: refusal.message,
      code: refusal.status === 403 ? -32003 : -32415,
      data: { code, httpStatus: refusal.status, reason: refusal.reason },
    },
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.statusCode = status;
  res.setHeader("content-type", "application/json");
  res.setHeader("cache-control", "no-store");
  res.end(JSON.stringify(body));
}
