import { ErrorReason } from "../../shared/errors";

/**
 * Where to go after signing in. Only same-app paths are accepted: `next=//evil.example` or
 * `next=https://evil.example` would turn sign-in into an open redirect.
 */
export function safeReturnPath(next: string | null | undefined, fallback = "/"): string {
  if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) {
    return fallback;
  }
  try {
    const url = new URL(next, "http://app.invalid");
    if (url.origin !== "http://app.invalid") return fallback;
    if (url.pathname === "/sign-in" || url.pathname === "/sign-up") return fallback;
    return url.pathname + url.search + url.hash;
  } catch {
    return fallback;
  }
}

/** The sign-in URL that brings the user back to `path` afterwards. */
export function signInPath(path: string, notice?: SignInNotice): string {
  const params = new URLSearchParams();
  const next = safeReturnPath(path, "");
  if (next && next !== "/") params.set("next", next);
  if (notice) params.set("notice", notice);
  const query = params.toString();
  return query ? `/sign-in?${query}` : "/sign-in";
}

export type SignInNotice =
  | "session-ended"
  | "evicted"
  | "revoked"
  | "expired"
  | "binding"
  | "signed-out"
  | "signed-out-everywhere"
  | "deleted";

/** What the sign-in page says about why the user is there: `info` when the session ended unasked. */
export const signInNotices: Record<SignInNotice, { message: string; tone: "info" | "success" }> = {
  "session-ended": { message: "Your session ended. Sign in again to continue.", tone: "info" },
  evicted: {
    message:
      "You were signed out because your account was signed in on another device, and only a limited number of devices may be signed in at once.",
    tone: "info",
  },
  revoked: {
    message: "Your session was ended from another device or by an administrator.",
    tone: "info",
  },
  expired: { message: "Your session expired. Sign in again.", tone: "info" },
  binding: {
    message: "Your session was ended because it was used from another network or browser.",
    tone: "info",
  },
  "signed-out": { message: "You are signed out.", tone: "success" },
  "signed-out-everywhere": { message: "You are signed out on every device.", tone: "success" },
  deleted: { message: "Your account and all its sessions were deleted.", tone: "success" },
};

export function isSignInNotice(value: string | null): value is SignInNotice {
  return value !== null && Object.hasOwn(signInNotices, value);
}

/**
 * The notice for a session that ended behind the user's back, from the reason of the 401 that
 * said so. Only the first request after the end carries a specific reason; later ones (and a
 * plain sign-out elsewhere) get the generic notice.
 */
export function sessionEndedNotice(reason: ErrorReason | null): SignInNotice {
  switch (reason) {
    case ErrorReason.SESSION_EVICTED:
      return "evicted";
    case ErrorReason.SESSION_REVOKED:
      return "revoked";
    case ErrorReason.SESSION_EXPIRED:
      return "expired";
    case ErrorReason.SESSION_BINDING_MISMATCH:
      return "binding";
    default:
      return "session-ended";
  }
}
