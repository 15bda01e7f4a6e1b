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

export type SignInNotice = "session-ended" | "signed-out" | "signed-out-everywhere" | "deleted";

export const signInNotices: Record<SignInNotice, string> = {
  "session-ended": "Your session ended. Sign in again to continue.",
  "signed-out": "You are signed out.",
  "signed-out-everywhere": "You are signed out on every device.",
  deleted: "Your account and all its sessions were deleted.",
};

export function isSignInNotice(value: string | null): value is SignInNotice {
  return value !== null && Object.hasOwn(signInNotices, value);
}
