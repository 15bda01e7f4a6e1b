/**
 * Validates a Better Auth (1.7) session cookie from another Node service that shares the
 * database and BETTER_AUTH_SECRET. Self-contained on purpose (node:crypto only, any SQL client):
 * copy this file into the other service. See examples/validate-session-cookie/.
 *
 * The cookie is not what is stored: Better Auth (through better-call's `signCookieValue`) sets
 * `encodeURIComponent(token + "." + base64(HMAC-SHA256(secret, token)))`, and `session.token`
 * holds hex(SHA-256(token)) (docs/decisions/0020-session-tokens-hashed-at-rest.md).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** Runs one parameterised statement (`$1`, `$2`, ...) and resolves to its rows. */
export type SessionQuery = (
  text: string,
  params: unknown[],
) => Promise<Array<Record<string, unknown>>>;

export interface SessionCookieValidatorOptions {
  /** BETTER_AUTH_SECRET. */
  secret: string;
  /**
   * BETTER_AUTH_PREVIOUS_SECRETS, split at commas: the app still accepts cookies these signed
   * (and re-signs them with `secret` on the user's next request to it), so this validator does too.
   */
  previousSecrets?: readonly string[];
  /**
   * Sessions created longer ago than this are refused even when `expires_at` is later: Better
   * Auth slides `expires_at` forever on activity, so the absolute cap (ASVS 7.3.2) is ours.
   */
  absoluteLifetimeSec: number;
  /**
   * Any SQL client, e.g. postgres.js: `(text, params) => sql.unsafe(text, params)`. Its first
   * parameter is the stored value of the session token (its SHA-256): do not log parameters in
   * this function.
   */
  query: SessionQuery;
  /** The clock; injectable for tests. */
  now?: () => Date;
}

/** A live session, as stored by Better Auth. */
export interface ValidSession {
  sessionId: string;
  userId: string;
  /** The idle expiry (Better Auth moves it forward on activity). */
  expiresAt: Date;
  /** When the user signed in; the absolute lifetime counts from here. */
  createdAt: Date;
}

export interface SessionCookieValidator {
  /**
   * Checks the raw cookie VALUE (not the Cookie header; see `sessionCookieFromHeader`), URL-encoded
   * or already decoded. Resolves to the session, or `null` for anything that is not a live,
   * correctly signed session. Never throws on bad input; rejects only when `query` does, so a
   * database outage can be answered with 503 rather than a misleading 401.
   */
  validate(cookieValue: string | undefined | null): Promise<ValidSession | null>;
}

/**
 * A genuine cookie is at most ~170 characters (32-char token, 44-char signature, each `+`, `/`
 * and `=` URL-encoded as 3). Anything far longer is refused before decoding or hashing it.
 */
const MAX_COOKIE_VALUE_LENGTH = 1024;
/** base64 of a 32-byte HMAC-SHA256, with its padding `=`. */
const SIGNATURE_LENGTH = 44;

const SESSION_QUERY =
  'select id, user_id, expires_at, created_at from "session" where token = $1 and expires_at > $2 and created_at > $3';

/**
 * Builds a validator. Throws at once on a missing secret or a lifetime that is not a positive
 * number, so a misconfigured service fails at start-up instead of refusing (or accepting) everyone.
 */
export function createSessionCookieValidator(
  options: SessionCookieValidatorOptions,
): SessionCookieValidator {
  const {
    secret,
    previousSecrets = [],
    absoluteLifetimeSec,
    query,
    now = () => new Date(),
  } = options;
  if (typeof secret !== "string" || secret === "") {
    throw new TypeError("secret must be BETTER_AUTH_SECRET (a non-empty string)");
  }
  if (previousSecrets.some((previous) => typeof previous !== "string" || previous === "")) {
    throw new TypeError("previousSecrets must be non-empty strings");
  }
  if (!Number.isFinite(absoluteLifetimeSec) || absoluteLifetimeSec <= 0) {
    throw new TypeError(
      `absoluteLifetimeSec must be a positive number of seconds, got ${absoluteLifetimeSec}`,
    );
  }
  const secrets = [secret, ...previousSecrets];

  return {
    async validate(cookieValue) {
      const token = verifiedToken(cookieValue, secrets);
      if (token === null) return null;
      const at = now();
      const createdAfter = new Date(at.getTime() - absoluteLifetimeSec * 1000);
      // ISO strings rather than Dates: pg, postgres.js and PGlite send them untyped, PostgreSQL
      // reads them as timestamptz from the column they meet, and no driver guesses a time zone.
      const rows = await query(SESSION_QUERY, [
        storedToken(token),
        at.toISOString(),
        createdAfter.toISOString(),
      ]);
      const row = rows[0];
      return row ? toValidSession(row) : null;
    },
  };
}

/** The token inside a cookie value signed with one of `secrets`, or null. */
function verifiedToken(
  cookieValue: string | undefined | null,
  secrets: readonly string[],
): string | null {
  if (typeof cookieValue !== "string" || cookieValue.length > MAX_COOKIE_VALUE_LENGTH) return null;
  let value: string;
  try {
    value = decodeURIComponent(cookieValue);
  } catch {
    return null; // malformed %-escape
  }
  // The LAST dot: the signature (base64) has none, so a token containing dots still splits right.
  const dot = value.lastIndexOf(".");
  if (dot < 1) return null; // no dot, or an empty token
  const token = value.slice(0, dot);
  const signature = value.slice(dot + 1);
  if (signature.length !== SIGNATURE_LENGTH) return null;
  const given = Buffer.from(signature);
  // timingSafeEqual throws on different lengths; a 44-char string with non-ASCII characters is
  // longer than 44 bytes. Comparing the canonical base64 text (not decoded bytes) also refuses
  // the other spellings of the same signature that lenient base64 decoders accept.
  if (given.length !== SIGNATURE_LENGTH) return null;
  let matched = false;
  // Every secret is tried, so the time taken does not tell which one matched.
  for (const secret of secrets) {
    const expected = Buffer.from(createHmac("sha256", secret).update(token).digest("base64"));
    if (timingSafeEqual(given, expected)) matched = true;
  }
  return matched ? token : null;
}

/**
 * What the app stores for a token: hex(SHA-256(token)), the same as `hashSessionToken` in
 * server/sessions/lifecycle/events.ts (repeated here so this file stays self-contained).
 */
function storedToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function toValidSession(row: Record<string, unknown>): ValidSession {
  return {
    sessionId: column(row, "id"),
    userId: column(row, "user_id"),
    expiresAt: timestamp(row, "expires_at"),
    createdAt: timestamp(row, "created_at"),
  };
}

// A row the SQL client shaped differently is a wiring bug: fail loudly rather than guess.
// Numbers are accepted for ids because Better Auth can be configured with serial ids.
function column(row: Record<string, unknown>, name: string): string {
  const value = row[name];
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value !== "string" || value === "") {
    throw new TypeError(`session row: column '${name}' is not an id`);
  }
  return value;
}

function timestamp(row: Record<string, unknown>, name: string): Date {
  const value = row[name];
  const date =
    value instanceof Date ? value : typeof value === "string" ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new TypeError(`session row: column '${name}' is not a timestamp`);
  }
  return date;
}

/**
 * The session cookie's value in a Cookie request header, still URL-encoded, or undefined. Reads
 * `__Secure-${prefix}.session_token` (what Better Auth sets over HTTPS) and otherwise
 * `${prefix}.session_token`. The `__Secure-` one wins when both are present: only a secure origin
 * can set it, whereas an unprefixed cookie may have been planted by a sibling subdomain or over
 * plain HTTP. `prefix` is Better Auth's `advanced.cookiePrefix` (COOKIE_PREFIX here).
 */
export function sessionCookieFromHeader(
  cookieHeader: string | undefined,
  prefix = "better-auth",
): string | undefined {
  if (!cookieHeader) return undefined;
  const name = `${prefix}.session_token`;
  const secureName = `__Secure-${name}`;
  let plain: string | undefined;
  for (const pair of cookieHeader.split(";")) {
    const eq = pair.indexOf("=");
    if (eq === -1) continue;
    const key = pair.slice(0, eq).trim();
    let value = pair.slice(eq + 1).trim();
    // RFC 6265 allows a DQUOTE-wrapped value; Better Auth's parser unwraps it too.
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1);
    }
    // The first occurrence wins, as in Better Auth's parser (browsers send the most specific first).
    if (key === secureName) return value;
    if (key === name && plain === undefined) plain = value;
  }
  return plain;
}
