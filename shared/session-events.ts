/**
 * The vocabulary of the activity log, shared by the server (which records it) and the SPA
 * (which shows it). Stored as text in `session_event.type` / `.reason`.
 */
export const SessionEventType = {
  SIGNED_IN: "signed_in",
  REAUTHENTICATED: "reauthenticated",
  REFRESHED: "refreshed",
  REVOKED: "revoked",
  EXPIRED: "expired",
  CLEANED_UP: "cleaned_up",
  BINDING_MISMATCH: "binding_mismatch",
  /** Account events (no session: `sessionId` is empty), from the links sent by mail. */
  PASSWORD_RESET: "password_reset",
  EMAIL_VERIFIED: "email_verified",
  EMAIL_CHANGED: "email_changed",
  EMAIL_CHANGE_UNDONE: "email_change_undone",
} as const;
export type SessionEventType = (typeof SessionEventType)[keyof typeof SessionEventType];

/** Why a session ended (or, for binding_mismatch, what did not match). */
export const EndReason = {
  /** Signed out on that device (Better Auth's sign-out or ending the current session). */
  SIGN_OUT: "sign_out",
  /** Ended from another of the user's devices. */
  OTHER_DEVICE: "other_device",
  /** "Sign out everywhere". */
  ALL: "all",
  PASSWORD_CHANGE: "password_change",
  PASSWORD_RESET: "password_reset",
  /** The concurrent session limit ended the least recently active session. */
  LIMIT: "limit",
  /** The request came from another network or browser than the session was created on. */
  BINDING: "binding",
  ADMIN: "admin",
  ACCOUNT_DELETED: "account_deleted",
  /** A new sign-in in the same browser replaced it. */
  REPLACED: "replaced",
  /** Re-authentication replaced it with a new session. */
  REAUTHENTICATED: "reauthenticated",
  IDLE_TIMEOUT: "idle_timeout",
  ABSOLUTE_TIMEOUT: "absolute_timeout",
  /** Its owner followed "This wasn't me" in the new-device alert. */
  NOT_ME: "not_me",
  /** The old address undid an email change: every session ended. */
  EMAIL_CHANGE_UNDONE: "email_change_undone",
} as const;
export type EndReason = (typeof EndReason)[keyof typeof EndReason];

/** One entry of `session.activity`. */
export interface SessionActivityEvent {
  id: number;
  type: SessionEventType;
  reason: string | null;
  sessionId: string;
  /** The event concerns the session making this request. */
  isCurrentSession: boolean;
  /** Someone other than the user did it (an administrator). */
  byAdministrator: boolean;
  ipAddress: string | null;
  userAgent: string | null;
  device: { browser: string | null; os: string | null; type: string | null };
  at: string;
}
