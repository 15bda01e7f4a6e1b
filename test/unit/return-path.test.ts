/** The SPA's return-after-sign-in path: only same-app paths, never an open redirect. */
import { describe, expect, it } from "vitest";
import { safeReturnPath, signInPath } from "../../client/lib/return-path";

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
