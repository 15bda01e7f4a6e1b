/** The SPA's return-after-sign-in path: only same-app paths, never an open redirect. */
import fc from "fast-check";
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
    ["/Sign-In"],
    ["/sign-up/"],
    ["/sign%2Din"],
  ])("falls back to home for %s", (next) => {
    expect(safeReturnPath(next)).toBe("/");
  });

  // Each of these is a path on its face, but `new URL` (as the browser would) resolves it to a
  // protocol-relative path `//host...`, another origin, or a path a decoding reader would.
  it.each([
    // dot segments, plain and percent-encoded, then a second slash
    ["/.//127.0.0.1:9/d"],
    ["/..//127.0.0.1:9/d"],
    ["/%2e//127.0.0.1:9/d"],
    ["/%2E//127.0.0.1:9/d"],
    ["/.%2e//127.0.0.1:9/d"],
    ["/%2e%2E//127.0.0.1:9/d"],
    ["/a/..//127.0.0.1:9/d"],
    ["/a/b/../..//127.0.0.1:9/d"],
    ["/.//127.0.0.1:9/d?x=1#y"],
    // encoded slashes and backslashes
    ["/%2f127.0.0.1:9/d"],
    ["/%2F%2F127.0.0.1:9/d"],
    ["/%5c127.0.0.1:9/d"],
    ["/%5C%5C127.0.0.1:9/d"],
    ["/%2e%2e%2f%2f127.0.0.1:9/d"],
    ["/%252f127.0.0.1:9/d"],
    ["/%25252f127.0.0.1:9/d"],
    ["/%zz"],
    // backslashes, which browsers read as slashes
    ["/\\\\127.0.0.1:9/d"],
    ["/\\/127.0.0.1:9/d"],
    ["/.\\\\127.0.0.1:9/d"],
    ["/\\.\\/127.0.0.1:9/d"],
    ["/sessions\\..\\..\\/127.0.0.1:9/d"],
    // tab, newlines and other control characters, which URL parsers strip or keep
    ["/\t/127.0.0.1:9/d"],
    ["/\n/127.0.0.1:9/d"],
    ["/\r/127.0.0.1:9/d"],
    ["/.\t/127.0.0.1:9/d"],
    ["/sessions\n"],
    ["/\u0000/127.0.0.1:9/d"],
    ["/\u001f/127.0.0.1:9/d"],
    ["/\u007f/127.0.0.1:9/d"],
    ["/\u0085/127.0.0.1:9/d"],
    ["/%09/127.0.0.1:9/d"],
    ["/%0a/127.0.0.1:9/d"],
    ["/%00/127.0.0.1:9/d"],
    // leading whitespace
    [" //127.0.0.1:9/d"],
    ["\t//127.0.0.1:9/d"],
    ["\n/sessions"],
    [" /sessions"],
  ])("drops %o, which is not a plain path of this app", (next) => {
    expect(safeReturnPath(next)).toBe("/");
  });

  it.each([
    // a space is not a slash: `/ /x` is the path `/%20/x` of this app
    ["/ /127.0.0.1:9/d", "/%20/127.0.0.1:9/d"],
    // look-alike slashes are percent-encoded in a path, never read as `/`
    ["/\uff0f\uff0f127.0.0.1:9/d", "/%EF%BC%8F%EF%BC%8F127.0.0.1:9/d"],
    ["/\u2215\u2215127.0.0.1:9/d", "/%E2%88%95%E2%88%95127.0.0.1:9/d"],
    // slashes and dots in the query or fragment do not move the path
    ["/sessions?next=//127.0.0.1:9/d", "/sessions?next=//127.0.0.1:9/d"],
    ["/sessions#//127.0.0.1:9/d", "/sessions#//127.0.0.1:9/d"],
  ])("keeps %j inside the app as %j", (next, expected) => {
    expect(safeReturnPath(next)).toBe(expected);
  });

  const base = "http://app.invalid";
  const pieces = fc.constantFrom(
    "/",
    "//",
    ".",
    "..",
    "%2e",
    "%2E",
    ".%2e",
    "%2f",
    "%2F",
    "%5c",
    "%5C",
    "%25",
    "\\",
    "\t",
    "\n",
    "\r",
    "\u0000",
    "\u007f",
    " ",
    "\u3000",
    "\uff0f",
    "\uff3c",
    "127.0.0.1:9",
    "evil.example",
    "@",
    ":",
    "?",
    "#",
    "sessions",
    "sign-in",
    "https:",
    "javascript:",
  );
  const candidates = fc.oneof(
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.array(pieces, { maxLength: 10 }).map((parts) => parts.join("")),
    fc.array(pieces, { maxLength: 10 }).map((parts) => `/${parts.join("")}`),
  );

  it("returns the fallback or a path that stays on the app's origin, for any input", () => {
    fc.assert(
      fc.property(candidates, (next) => {
        const result = safeReturnPath(next, "FALLBACK");
        if (result === "FALLBACK") return;
        expect(result).toMatch(/^\/(?![/\\])/);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
        expect(result).not.toMatch(/[\u0000-\u001f\u007f-\u009f\\]/);
        const url = new URL(result, base);
        expect(url.origin).toBe(base);
        expect(url.pathname.startsWith("//")).toBe(false);
        expect(decodeURIComponent(url.pathname).startsWith("//")).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it("is stable: what it returns passes it again unchanged, and survives signInPath", () => {
    fc.assert(
      fc.property(candidates, (next) => {
        const result = safeReturnPath(next, "FALLBACK");
        if (result === "FALLBACK") return;
        expect(safeReturnPath(result, "FALLBACK")).toBe(result);
        const query = new URL(signInPath(result), base).searchParams;
        expect(safeReturnPath(query.get("next"))).toBe(result);
      }),
      { numRuns: 2000 },
    );
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

  it("never carries a path that resolves off the app", () => {
    expect(signInPath("/.//127.0.0.1:9/d", "expired")).toBe("/sign-in?notice=expired");
    expect(signInPath("/%2e//127.0.0.1:9/d")).toBe("/sign-in");
  });
});

describe("sign-in notices", () => {
  it("say why a session ended, from the reason of the 401", () => {
    expect(sessionEndedNotice(ErrorReason.SESSION_EVICTED)).toBe("evicted");
    expect(sessionEndedNotice(ErrorReason.SESSION_REVOKED)).toBe("revoked");
    expect(sessionEndedNotice(ErrorReason.SESSION_EXPIRED)).toBe("expired");
    expect(sessionEndedNotice(ErrorReason.SESSION_BINDING_MISMATCH)).toBe("binding");
    expect(sessionEndedNotice(ErrorReason.EMAIL_NOT_VERIFIED)).toBe("email-not-verified");
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
