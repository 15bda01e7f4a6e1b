import { ErrorReason } from "../../shared/errors";

const APP_ORIGIN = "http://app.invalid";

/**
 * Characters a return path never needs and URL parsers treat specially: tab and newlines are
 * stripped anywhere, other C0 controls and spaces are trimmed at the ends, and `\` reads as `/`
 * in http(s) URLs. C1 controls and DEL are dropped with them.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const UNSAFE_CHAR = /[\u0000-\u001f\u007f-\u009f\\]/;

/** How many layers of percent-encoding a path may carry before it is refused as suspicious. */
const MAX_DECODE_ROUNDS = 3;

/**
 * Where to go after signing in: a path of this app, or `fallback`. Rather than listing tricks
 * (`//host`, `/.//host`, `/%2e//host`, `/\host`, `/\t/host` ...), it checks what the input turns
 * into: resolved as the browser would resolve it, the URL must stay on this app's origin and its
 * path must not start with `//` (which the browser, and `history.pushState`, read as a host).
 * The same must hold for the path with its escapes decoded (`/%2f%2fhost`), for any reader
 * that decodes it. The auth pages themselves are refused, so sign-in never returns to sign-in.
 */
export function safeReturnPath(next: string | null | undefined, fallback = "/"): string {
  const url = resolveInApp(next);
  if (!url) return fallback;
  let path = url.pathname;
  for (let round = 0; ; round += 1) {
    const decoded = decodePath(path);
    if (decoded === null) return fallback;
    if (decoded === path) break;
    if (round === MAX_DECODE_ROUNDS || !resolveInApp(decoded)) return fallback;
    path = decoded;
  }
  // React Router matches routes on the decoded path, case-insensitively, trailing slash or not.
  const page = path.toLowerCase().replace(/\/+$/, "");
  if (page === "/sign-in" || page === "/sign-up") return fallback;
  return url.pathname + url.search + url.hash;
}

/** `path` resolved against this app, when it is a plain same-origin path; otherwise null. */
function resolveInApp(path: string | null | undefined): URL | null {
  if (!path?.startsWith("/") || path.startsWith("//") || UNSAFE_CHAR.test(path)) return null;
  let url: URL;
  try {
    url = new URL(path, APP_ORIGIN);
  } catch {
    return null;
  }
  if (url.origin !== APP_ORIGIN || url.pathname.startsWith("//")) return null;
  return url;
}

function decodePath(path: string): string | null {
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
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
  | "email-not-verified"
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
  "email-not-verified": {
    message:
      "Verify your email address to continue: open the link we sent to it, then sign in again.",
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
    case ErrorReason.EMAIL_NOT_VERIFIED:
      return "email-not-verified";
    default:
      return "session-ended";
  }
}
