/**
 * Better Auth's signed session cookie, verified and signed with node:crypto. Format (Better Auth
 * 1.7): URL-encoded `token + "." + base64(HMAC-SHA256(secret, token))`.
 */
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from "node:crypto";

const SIGNATURE_LENGTH = 44;
const MAX_COOKIE_LENGTH = 1024;

/**
 * The token of the session cookie and the index in `secrets` of the secret that signed it (0:
 * the current one), or null. Each secret is compared in constant time; all are tried, so the
 * time taken does not tell which one matched.
 */
export function verifySessionCookie(
  cookieHeader: string | null,
  cookieName: string,
  secrets: string | readonly string[],
): { token: string; secretIndex: number } | null {
  const raw = cookieValue(cookieHeader, cookieName);
  return raw ? verifySignedValue(raw, secrets) : null;
}

/** `verifySessionCookie` for a cookie value already taken out of its header (`cookieValue`). */
export function verifySignedValue(
  raw: string,
  secrets: string | readonly string[],
): { token: string; secretIndex: number } | null {
  if (raw.length > MAX_COOKIE_LENGTH) return null;
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    return null;
  }
  const dot = value.lastIndexOf(".");
  const token = value.slice(0, dot);
  const signature = Buffer.from(value.slice(dot + 1));
  if (dot <= 0 || signature.length !== SIGNATURE_LENGTH) return null;
  let secretIndex = -1;
  for (const [index, secret] of (typeof secrets === "string" ? [secrets] : secrets).entries()) {
    const expected = Buffer.from(signSessionToken(token, secret));
    if (timingSafeEqual(expected, signature) && secretIndex === -1) secretIndex = index;
  }
  return secretIndex === -1 ? null : { token, secretIndex };
}

/** base64(HMAC-SHA256(secret, token)): Better Auth's signature of a cookie value. */
export function signSessionToken(token: string, secret: string): string {
  return createHmac("sha256", hmacKey(secret)).update(token).digest("base64");
}

/**
 * A KeyObject per secret, made once: HMAC with a string key prepares the key on every call, and
 * this runs on every request. Few secrets ever exist (the current one and those a rotation
 * replaced); the bound only keeps a misuse from growing the map.
 */
const keyBySecret = new Map<string, KeyObject>();
function hmacKey(secret: string): KeyObject {
  let key = keyBySecret.get(secret);
  if (!key) {
    if (keyBySecret.size >= 16) keyBySecret.clear();
    key = createSecretKey(Buffer.from(secret, "utf8"));
    keyBySecret.set(secret, key);
  }
  return key;
}

/**
 * The Cookie header with the named cookie's value replaced (URL-encoded), other cookies untouched.
 */
export function replaceCookieValue(header: string, name: string, value: string): string {
  return header
    .split(";")
    .map((part) => {
      const eq = part.indexOf("=");
      return eq > 0 && part.slice(0, eq).trim() === name
        ? `${part.slice(0, eq + 1)}${encodeURIComponent(value)}`
        : part;
    })
    .join(";");
}

/**
 * The named cookie's value (unquoted), the first when it appears twice, as Better Auth reads it;
 * scans in place rather than splitting (it runs on every request).
 */
export function cookieValue(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  let start = 0;
  while (start < header.length) {
    const semicolon = header.indexOf(";", start);
    const end = semicolon === -1 ? header.length : semicolon;
    const eq = header.indexOf("=", start);
    if (eq > start && eq < end && header.slice(start, eq).trim() === name) {
      const value = header.slice(eq + 1, end).trim();
      // RFC 6265 allows a quoted cookie-value; Better Auth's parser unquotes it, and so must we,
      // or the two would disagree about which session a request carries.
      return value.length >= 2 && value.startsWith('"') && value.endsWith('"')
        ? value.slice(1, -1)
        : value;
    }
    start = end + 1;
  }
  return undefined;
}
