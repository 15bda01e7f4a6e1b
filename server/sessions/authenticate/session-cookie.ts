/**
 * The request's session cookie, read once: Better Auth's cookie cache (`session_data`) removed,
 * the signature of the session cookie verified (constant time) against the current secret and
 * the ones a rotation replaced (BETTER_AUTH_PREVIOUS_SECRETS), and nothing else.
 *
 * Rotating BETTER_AUTH_SECRET signs nobody out: Better Auth 1.7 signs and verifies the session
 * cookie with its current secret only (its versioned `secrets` cover what it encrypts, not what
 * it signs), so a cookie a previous secret signed is rewritten in the request's Cookie header to
 * the current signature, for Better Auth further down, and the browser is handed the re-signed
 * cookie once the session proves live, with Better Auth's attributes.
 */
import type { Auth } from "../../auth/better-auth";
import type { Config } from "../../env";
import { hashSessionToken } from "../token-hash";
import { withoutCookie } from "./cookies";
import {
  cookieValue,
  replaceCookieValue,
  signSessionToken,
  verifySignedValue,
} from "./signed-cookie";

/**
 * Cookie values whose signature was verified, with what the verification found. A browser sends
 * the same value on every request: the HMAC and the token's hash are computed once per value,
 * not per request. Only values that verified are kept (a forged one is never remembered, and
 * always costs a full check); the bound keeps a flood of valid sessions from growing it.
 */
const MAX_REMEMBERED_COOKIES = 10_000;

export interface SessionCookie {
  token: string;
  /** SHA-256 of the token: how the session table and the session cache know it (ADR 0020). */
  tokenHash: string;
  /** The Set-Cookie line handing the browser its cookie re-signed with the current secret, or null. */
  resignedCookie: string | null;
}

/**
 * Readies `headers` for Better Auth, in place (no cookie cache; a previous secret's session cookie
 * re-signed), and returns the session cookie's token, or null without a validly signed one.
 */
export type SessionCookieReader = (headers: Headers) => Promise<SessionCookie | null>;

export function createSessionCookieReader(
  authCookies: Awaited<Auth["$context"]>["authCookies"],
  config: Pick<Config, "secrets" | "session">,
): SessionCookieReader {
  const secrets = [config.secrets.current, ...config.secrets.previous];
  const verifiedValues = new Map<
    string,
    { token: string; tokenHash: string; secretIndex: number }
  >();

  function verify(raw: string) {
    const known = verifiedValues.get(raw);
    if (known) return known;
    const verified = verifySignedValue(raw, secrets);
    if (!verified) return null;
    if (verifiedValues.size >= MAX_REMEMBERED_COOKIES) verifiedValues.clear();
    const entry = { ...verified, tokenHash: hashSessionToken(verified.token) };
    verifiedValues.set(raw, entry);
    return entry;
  }

  return async function readSessionCookie(headers) {
    const cookieHeader = headers.get("cookie");
    if (!cookieHeader) return null;
    const { sessionToken, sessionData } = authCookies;
    // Better Auth's cookie cache is never read past this point: the decision is ours, and a
    // malformed cache cookie must not turn a valid session into an error.
    const withoutCache = withoutCookie(cookieHeader, sessionData.name);
    if (withoutCache !== cookieHeader) headers.set("cookie", withoutCache);

    const raw = cookieValue(withoutCache, sessionToken.name);
    const verified = raw ? verify(raw) : null;
    if (!verified) return null;
    const { token, tokenHash } = verified;
    if (verified.secretIndex === 0) return { token, tokenHash, resignedCookie: null };
    const value = `${verified.token}.${signSessionToken(verified.token, config.secrets.current)}`;
    headers.set("cookie", replaceCookieValue(withoutCache, sessionToken.name, value));
    return {
      token,
      tokenHash,
      resignedCookie: serializeCookie(sessionToken.name, value, {
        ...sessionToken.attributes,
        // What Better Auth gives the cookie when it sets it (setSessionCookie).
        maxAge: config.session.expiresInSec,
      }),
    };
  };
}

function serializeCookie(
  name: string,
  value: string,
  attributes: {
    maxAge?: number;
    domain?: string;
    path?: string;
    secure?: boolean;
    httpOnly?: boolean;
    sameSite?: string;
  },
): string {
  const parts = [`${name}=${encodeURIComponent(value)}`];
  if (attributes.maxAge !== undefined) parts.push(`Max-Age=${Math.floor(attributes.maxAge)}`);
  if (attributes.domain) parts.push(`Domain=${attributes.domain}`);
  if (attributes.path) parts.push(`Path=${attributes.path}`);
  if (attributes.httpOnly) parts.push("HttpOnly");
  if (attributes.secure) parts.push("Secure");
  if (attributes.sameSite) {
    const sameSite = attributes.sameSite.toLowerCase();
    parts.push(`SameSite=${sameSite[0]?.toUpperCase()}${sameSite.slice(1)}`);
  }
  return parts.join("; ");
}
