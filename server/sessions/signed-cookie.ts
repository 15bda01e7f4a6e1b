/**
 * Reads the session token out of Better Auth's signed session cookie, for the one place we need
 * it outside Better Auth: telling a request whose session has ended why it ended. Format (Better
 * Auth 1.7): URL-encoded `token + "." + base64(HMAC-SHA256(secret, token))`.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const SIGNATURE_LENGTH = 44;
const MAX_COOKIE_LENGTH = 1024;

/** The token if the cookie carries one signed with `secret`; null for anything else. */
export function readSignedSessionToken(
  cookieHeader: string | null,
  cookieName: string,
  secret: string,
): string | null {
  const raw = cookieValue(cookieHeader, cookieName);
  if (!raw || raw.length > MAX_COOKIE_LENGTH) return null;
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
  const expected = Buffer.from(createHmac("sha256", secret).update(token).digest("base64"));
  return timingSafeEqual(expected, signature) ? token : null;
}

function cookieValue(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
