/**
 * Machine-readable reasons carried in `error.data.reason` next to the tRPC code, so clients can
 * switch on them. One map, shared by server and client.
 */
export const ErrorReason = {
  /** No live session: signed out, expired, revoked or never signed in. Sign in again. */
  SESSION_REQUIRED: "SESSION_REQUIRED",
  /** This session was ended by the concurrent session limit (a newer sign-in took its place). */
  SESSION_EVICTED: "SESSION_EVICTED",
  /** This session was ended from another device, by a password change or by an administrator. */
  SESSION_REVOKED: "SESSION_REVOKED",
  /** This session reached its inactivity timeout or absolute lifetime. */
  SESSION_EXPIRED: "SESSION_EXPIRED",
  /** This session was used from another network or browser than it was created on (strict binding). */
  SESSION_BINDING_MISMATCH: "SESSION_BINDING_MISMATCH",
  /**
   * The bearer JWT (API clients) is malformed, expired, not signed by this server's key, or not
   * meant for it (issuer, audience, algorithm). Get a new one from /api/auth/token.
   */
  TOKEN_INVALID: "TOKEN_INVALID",
  /** Signing in would exceed the concurrent session limit (policy `deny`). */
  SESSION_LIMIT_REACHED: "SESSION_LIMIT_REACHED",
  /** Only administrators may do this. */
  ADMIN_REQUIRED: "ADMIN_REQUIRED",
  /** The session is live but was authenticated longer ago than the fresh window. Re-authenticate. */
  SESSION_NOT_FRESH: "SESSION_NOT_FRESH",
  /** The password given to confirm an action is wrong. */
  INVALID_PASSWORD: "INVALID_PASSWORD",
  /** Another account already uses this email address. */
  EMAIL_TAKEN: "EMAIL_TAKEN",
  /** The new email is the one the account already has. */
  EMAIL_UNCHANGED: "EMAIL_UNCHANGED",
  /** The database cannot be reached: nothing was decided, try again shortly (503). */
  STORE_UNAVAILABLE: "STORE_UNAVAILABLE",
  /**
   * Too many password attempts for this account (429 TOO_MANY_REQUESTS): wait the seconds the
   * `Retry-After` header gives, which the message repeats.
   */
  RATE_LIMITED: "RATE_LIMITED",
  /** A cookie-authenticated request came from an origin that is not allowed. */
  ORIGIN_NOT_ALLOWED: "ORIGIN_NOT_ALLOWED",
  /** A link sent by mail that this server never sent (mistyped, cut, forged). */
  LINK_INVALID: "LINK_INVALID",
  /** A link sent by mail past its lifetime: ask for a new one. */
  LINK_EXPIRED: "LINK_EXPIRED",
  /** A link sent by mail already used, or replaced by a newer one. */
  LINK_USED: "LINK_USED",
  /** EMAIL_VERIFICATION=required and the address is not verified yet: open the link sent to it. */
  EMAIL_NOT_VERIFIED: "EMAIL_NOT_VERIFIED",
} as const;

export type ErrorReason = (typeof ErrorReason)[keyof typeof ErrorReason];

/** `error.data.zodError`: what is wrong with a bad input, as zod's `z.flattenError` puts it. */
export interface InputIssues {
  /** Issues of the input as a whole. */
  formErrors: string[];
  /** Issues by top-level field, e.g. `fieldErrors.email`. */
  fieldErrors: { [field: string]: string[] | undefined };
}

/**
 * What sign-up and an email change both say of an address another account uses (ADR 0018): the
 * same words on both doors, each limited.
 */
export const EMAIL_TAKEN_MESSAGE = "That email is already in use";
