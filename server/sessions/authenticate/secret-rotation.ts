/**
 * Rotating BETTER_AUTH_SECRET without signing everyone out. Better Auth 1.7 signs and verifies
 * the session cookie with its current secret only (its versioned `secrets` cover what it
 * encrypts, not what it signs), so a cookie signed with a secret listed in
 * BETTER_AUTH_PREVIOUS_SECRETS is re-signed here: the request's Cookie header is rewritten to the
 * current signature before anything reads it (our resolver, Better Auth's endpoints), and once
 * the session proves live the browser gets the re-signed cookie, with Better Auth's attributes.
 */
import { createHash } from "node:crypto";
import type { Auth } from "../../auth/better-auth";
import type { Config } from "../../env";
import { replaceCookieValue, signSessionToken, verifySessionCookie } from "./signed-cookie";

/**
 * Better Auth's versioned `secrets` (what it encrypts, such as the JWT signing key): the current
 * secret first, then the previous ones. A version must name the same secret across restarts and
 * rotations, so it is derived from the secret (31 bits of its SHA-256), not from its position.
 */
export function betterAuthSecrets(config: Pick<Config, "secret" | "previousSecrets">) {
  return [config.secret, ...config.previousSecrets].map((value) => ({
    version: createHash("sha256").update(value).digest().readUInt32BE(0) >>> 1,
    value,
  }));
}

/**
 * Rewrites a session cookie signed with a previous secret to the current signature, in place.
 * Returns the Set-Cookie line that hands the browser the re-signed cookie (to send once the
 * session proves live), or null when the cookie needed nothing (or is no cookie of ours).
 */
export type CookieResigner = (headers: Headers) => Promise<string | null>;

export function createCookieResigner(auth: Auth, config: Config): CookieResigner {
  const secrets = [config.secret, ...config.previousSecrets];
  return async function resignCookie(headers) {
    if (config.previousSecrets.length === 0) return null;
    const cookieHeader = headers.get("cookie");
    if (!cookieHeader) return null;
    const { sessionToken } = (await auth.$context).authCookies;
    const verified = verifySessionCookie(cookieHeader, sessionToken.name, secrets);
    if (!verified || verified.secretIndex === 0) return null;
    const value = `${verified.token}.${signSessionToken(verified.token, config.secret)}`;
    headers.set("cookie", replaceCookieValue(cookieHeader, sessionToken.name, value));
    return serializeCookie(sessionToken.name, value, {
      ...sessionToken.attributes,
      // What Better Auth gives the cookie when it sets it (setSessionCookie).
      maxAge: config.session.expiresInSec,
    });
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
