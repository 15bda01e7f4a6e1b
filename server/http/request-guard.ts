/**
 * CSRF and CORS for the API (ASVS 3.5). Cookies ride along on cross-site requests, so every
 * state-changing request that carries one must prove it comes from an allowed origin.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ErrorReason } from "../../shared/errors";

export type Refusal = { status: 403 | 415; message: string; reason: string | null };

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses a non-JSON unsafe request, and a cookie-bearing one whose Origin is missing or not on
 * the allowlist. Returns null when the request may proceed.
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
  if (!req.headers.cookie) return null;
  const origin = req.headers.origin;
  if (!origin || !allowedOrigins.has(origin)) {
    return {
      status: 403,
      message: origin ? `Origin ${origin} is not allowed` : "Missing Origin header",
      reason: ErrorReason.ORIGIN_NOT_ALLOWED,
    };
  }
  return null;
}

/**
 * CORS with credentials for an exact allowlist, never a wildcard. Returns true when it answered
 * a preflight itself.
 */
export function applyCors(
  req: IncomingMessage,
  res: ServerResponse,
  allowedOrigins: ReadonlySet<string>,
): boolean {
  res.appendHeader("vary", "Origin");
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

/** A refusal shaped like a tRPC error, so the typed client can read `data.code` and `data.reason`. */
export function sendRefusal(res: ServerResponse, refusal: Refusal) {
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
