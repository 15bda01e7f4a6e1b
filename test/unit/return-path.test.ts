/** The SPA's return-after-sign-in path: only same-app paths, never an open redirect. */
import { describe, expect, it } from "vitest";
import {
  isSignInNotice,
  safeReturnPath,
  sessionEndedNotice,
  signInNotices,
  signInPath,
} from "../../client/lib/return-path";
import { ErrorReason } from "../../shared/errors";

describe("safeReturnPath", () => {
  it.each([
    ["/sessions", "/sessions"],
    ["/account?tab=email#password", "/account?tab=email#password"],
    ["/a/../sessions", "/sessions"],
  ])("keeps the in-app path %s", (next, expected) => {
    expect(safeReturnPath(next)).toBe(expected);
  });

  it.each([
    [null],
    [""],
    ["sessions"],
    ["//evil.example/phish"],
    ["/\\evil.example"],
    ["https://evil.example/"],
    ["javascript:alert(1)"],
    ["/sign-in?next=/account"],
    ["/sign-up"],
  ])("falls back to home for %s", (next) => {
    expect(safeReturnPath(next)).toBe("/");
  });
});

describe("signInPath", () => {
  it("carries where to return and why, and nothing for home", () => {
    expect(signInPath("/sessions", "session-ended")).toBe(
      "/sign-in?next=%2Fsessions&notice=session-ended",
    );
    expect(signInPath("/")).toBe("/sign-in");
    expect(signInPath("//evil.example", "signed-out")).toBe("/sign-in?notice=signed-out");
  });
});

describe("sign-in notices", () => {
  it("say why a session ended, from the reason of the 401", () => {
    expect(sessionEndedNotice(ErrorReason.SESSION_EVICTED)).toBe("evicted");
    expect(sessionEndedNotice(ErrorReason.SESSION_REVOKED)).toBe("revoked");
    expect(sessionEndedNotice(ErrorReason.SESSION_EXPIRED)).toBe("expired");
    expect(sessionEndedNotice(ErrorReason.SESSION_BINDING_MISMATCH)).toBe("binding");
    expect(sessionEndedNotice(ErrorReason.SESSION_REQUIRED)).toBe("session-ended");
    expect(sessionEndedNotice(null)).toBe("session-ended");
    expect(signInNotices.evicted.message).toMatch(/signed in on another device/);
    expect(signInNotices.evicted.tone).toBe("info");
  });

  it("keep the return path safe whatever the notice", () => {
    expect(signInPath("/activity?cursor=5", "evicted")).toBe(
      "/sign-in?next=%2Factivity%3Fcursor%3D5&notice=evicted",
    );
    expect(signInPath("//evil.example/phish", "revoked")).toBe("/sign-in?notice=revoked");
    expect(signInPath("https://evil.example/", "binding")).toBe("/sign-in?notice=binding");
  });

  it.each([["evicted"], ["revoked"], ["expired"], ["binding"], ["session-ended"]])(
    "accepts the notice %s",
    (notice) => {
      expect(isSignInNotice(notice)).toBe(true);
    },
  );

  it.each([[null], [""], ["toString"], ["__proto__"], ["constructor"], ["EVICTED"], ["hacked"]])(
    "ignores the unknown notice %s",
    (notice) => {
      expect(isSignInNotice(notice)).toBe(false);
    },
  );
});
