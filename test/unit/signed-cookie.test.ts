/**
 * The session cookie reader of our resolver (server/sessions/authenticate/signed-cookie.ts): it scans the
 * Cookie header in place, for speed, so it is checked against the obvious split-based reading on
 * generated headers, and its signature check against Node's HMAC with a string key.
 */
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  signSessionToken,
  verifySessionCookie,
} from "../../server/sessions/authenticate/signed-cookie";

const NAME = "better-auth.session_token";
const SECRET = "signed-cookie-test-secret-0123456789abcdef";
const PREVIOUS = "signed-cookie-previous-secret-0123456789ab";

const signed = (token: string, secret = SECRET) =>
  encodeURIComponent(`${token}.${createHmac("sha256", secret).update(token).digest("base64")}`);

/** The plain reading the in-place scan must agree with: split at ";", first "=", trim. */
function referenceCookieValue(header: string, name: string): string | undefined {
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The token the cookie carries when the current secret signed it, else null. */
const tokenOf = (header: string | null, name: string) =>
  verifySessionCookie(header, name, [SECRET])?.token ?? null;

describe("signed session cookie", () => {
  it("signs like Node's HMAC-SHA256 with the secret as a string key", () => {
    const expected = createHmac("sha256", SECRET).update("abc").digest("base64");
    expect(signSessionToken("abc", SECRET)).toBe(expected);
    expect(signSessionToken("abc", PREVIOUS)).not.toBe(expected);
  });

  it("finds the cookie first, in the middle, last, padded, and after an empty or nameless part", () => {
    const value = signed("tok1");
    for (const header of [
      `${NAME}=${value}`,
      `a=1; ${NAME}=${value}; b=2`,
      `a=1;${NAME}=${value}`,
      `  ${NAME} = ${value} ;`,
      `; =x; ${NAME}=${value}`,
      `x=${NAME}; ${NAME}=${value}`,
    ]) {
      expect(tokenOf(header, NAME), header).toBe("tok1");
    }
  });

  it("refuses a cookie of a similar name, a forged signature, and one signed with an unknown secret", () => {
    expect(tokenOf(`x${NAME}=${signed("t")}`, NAME)).toBeNull();
    expect(tokenOf(`${NAME}x=${signed("t")}`, NAME)).toBeNull();
    const forged = encodeURIComponent(`t.${"A".repeat(43)}=`);
    expect(tokenOf(`${NAME}=${forged}`, NAME)).toBeNull();
    expect(tokenOf(`${NAME}=${signed("t", "unknown")}`, NAME)).toBeNull();
  });

  it("says which secret signed it: the current one (0) or a previous one (1)", () => {
    const secrets = [SECRET, PREVIOUS];
    expect(verifySessionCookie(`${NAME}=${signed("t")}`, NAME, secrets)).toEqual({
      token: "t",
      secretIndex: 0,
    });
    expect(verifySessionCookie(`${NAME}=${signed("t", PREVIOUS)}`, NAME, secrets)).toEqual({
      token: "t",
      secretIndex: 1,
    });
  });

  it("reads the same cookie as the split-based reading, for any header", () => {
    const name = fc.constantFrom(NAME, "a", "b", "", " ", `${NAME} `, "x");
    const part = fc.oneof(
      fc
        .tuple(
          name,
          fc.constantFrom("=", " = ", "=="),
          fc.constantFrom(signed("tok"), signed("other"), "", "v"),
        )
        .map((p) => p.join("")),
      fc.string({ maxLength: 12 }),
    );
    const header = fc
      .array(part, { maxLength: 6 })
      .chain((parts) => fc.constantFrom(";", "; ", " ;").map((separator) => parts.join(separator)));
    fc.assert(
      fc.property(header, (cookieHeader) => {
        const raw = referenceCookieValue(cookieHeader, NAME);
        const expected = raw === signed("tok") ? "tok" : raw === signed("other") ? "other" : null;
        expect(tokenOf(cookieHeader, NAME)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
