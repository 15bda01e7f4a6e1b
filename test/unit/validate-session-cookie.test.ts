/**
 * The standalone cookie validator without a database: a fake `query` records its calls, which
 * proves that nothing short of a correct signature ever reaches the database.
 */
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  createSessionCookieValidator,
  type SessionQuery,
  sessionCookieFromHeader,
} from "../../examples/validate-session-cookie/validate-session-cookie";
import { hashSessionToken } from "../../server/sessions/token-hash";

const SECRET = "unit-test-secret-0123456789abcdefghijklmnop";
const TOKEN = "abcDEF0123456789abcDEF0123456789";
// Computed outside this code base:
//   printf '%s' "$TOKEN" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64
const SIGNATURE = "/f4E59hHBK0arzOlUNGgFjaKqUowJkX8NqiQ3eyNwK8=";
// What session.token holds for it (ADR 0020), also computed outside:
//   printf '%s' "$TOKEN" | sha256sum
const STORED_TOKEN = "b63b13bb2181344596f95057028990c2bd40967a10e1f410086040a24ed28c82";
/** What Better Auth puts in the cookie: `encodeURIComponent(token.signature)`. */
const COOKIE = encodeURIComponent(`${TOKEN}.${SIGNATURE}`);

const NOW = new Date("2026-03-02T09:00:00.000Z");
const ABSOLUTE_LIFETIME_SEC = 30 * 24 * 60 * 60;

const sign = (value: string, secret = SECRET) =>
  `${value}.${createHmac("sha256", secret).update(value).digest("base64")}`;

function setup(rows: Array<Record<string, unknown>> = [sessionRow()]) {
  const calls: Array<{ text: string; params: unknown[] }> = [];
  const query: SessionQuery = async (text, params) => {
    calls.push({ text, params });
    return rows;
  };
  const validator = createSessionCookieValidator({
    secret: SECRET,
    absoluteLifetimeSec: ABSOLUTE_LIFETIME_SEC,
    query,
    now: () => NOW,
  });
  return { validator, calls };
}

function sessionRow(overrides: Record<string, unknown> = {}) {
  return {
    id: "session-1",
    user_id: "user-1",
    expires_at: new Date("2026-03-09T09:00:00.000Z"),
    created_at: new Date("2026-03-01T09:00:00.000Z"),
    ...overrides,
  };
}

describe("createSessionCookieValidator", () => {
  it("the hand-computed signature is what Node's HMAC gives (the fixture is right)", () => {
    expect(sign(TOKEN)).toBe(`${TOKEN}.${SIGNATURE}`);
    expect(COOKIE).toBe(`${TOKEN}.%2Ff4E59hHBK0arzOlUNGgFjaKqUowJkX8NqiQ3eyNwK8%3D`);
  });

  it("the stored value is what the app's hashSessionToken gives (one rule on both sides)", () => {
    expect(hashSessionToken(TOKEN)).toBe(STORED_TOKEN);
  });

  it("accepts a correctly signed cookie and runs exactly one query with SHA-256 of the token, now and now - lifetime", async () => {
    const { validator, calls } = setup();
    expect(await validator.validate(COOKIE)).toEqual({
      sessionId: "session-1",
      userId: "user-1",
      expiresAt: new Date("2026-03-09T09:00:00.000Z"),
      createdAt: new Date("2026-03-01T09:00:00.000Z"),
    });
    expect(calls).toEqual([
      {
        text: 'select id, user_id, expires_at, created_at from "session" where token = $1 and expires_at > $2 and created_at > $3',
        params: [STORED_TOKEN, "2026-03-02T09:00:00.000Z", "2026-01-31T09:00:00.000Z"],
      },
    ]);
  });

  it("accepts the value already URL-decoded (frameworks that decode cookies for you)", async () => {
    const { validator, calls } = setup();
    expect(await validator.validate(`${TOKEN}.${SIGNATURE}`)).not.toBeNull();
    expect(calls[0]?.params[0]).toBe(STORED_TOKEN);
  });

  it("splits at the LAST dot: a token containing dots is looked up whole", async () => {
    const { validator, calls } = setup();
    expect(await validator.validate(encodeURIComponent(sign("a.b.c")))).not.toBeNull();
    expect(calls[0]?.params[0]).toBe(hashSessionToken("a.b.c"));
  });

  const flippedSignature = `${SIGNATURE.slice(0, 10)}${SIGNATURE[10] === "A" ? "B" : "A"}${SIGNATURE.slice(11)}`;
  // Better Auth decodes the signature with atob, which ignores the last character's two unused
  // bits, so it also accepts ...K9=, ...K+= and ...K/= for ...K8= here. Browsers only ever hold
  // the canonical spelling; comparing the text refuses the others.
  const otherSpelling = `${SIGNATURE.slice(0, 42)}9=`;

  it.each([
    ["undefined", undefined],
    ["null", null],
    ["an empty string", ""],
    [
      "a forged signature (one character changed)",
      encodeURIComponent(`${TOKEN}.${flippedSignature}`),
    ],
    ["a signature made with another secret", encodeURIComponent(sign(TOKEN, `${SECRET}-other`))],
    [
      "a non-canonical spelling of the right signature",
      encodeURIComponent(`${TOKEN}.${otherSpelling}`),
    ],
    ["the value missing its last character", COOKIE.slice(0, -1)],
    ["the value missing its last encoded character", COOKIE.slice(0, -3)],
    ["the token and a dot, no signature", `${TOKEN}.`],
    ["only the token (what the first FastAPI example compared)", TOKEN],
    ["a signature with an empty token", encodeURIComponent(`.${SIGNATURE}`)],
    ["a value without a dot", `${TOKEN}${SIGNATURE}`],
    ["a 45-character signature", encodeURIComponent(`${TOKEN}.A${SIGNATURE}`)],
    ["a 44-character signature with non-ASCII characters", `${TOKEN}.${"é".repeat(43)}=`],
    ["garbage", "%%%not a cookie;;=="],
    ["a malformed %-escape", `${COOKIE.slice(0, -3)}%E0%A4%A`],
    ["a lone % in the token", `ab%zz.${SIGNATURE}`],
    ["a 10 KB string", "a".repeat(10 * 1024)],
    ["a correctly signed value over 1 KB", encodeURIComponent(sign("t".repeat(1100)))],
  ])("refuses %s without querying the database", async (_name, value) => {
    const { validator, calls } = setup();
    await expect(validator.validate(value)).resolves.toBeNull();
    expect(calls).toEqual([]);
  });

  it("accepts a cookie signed with a previous secret (a rotation signs no one out), and only those listed", async () => {
    const PREVIOUS = "unit-test-previous-secret-0123456789abcdef";
    const calls: unknown[][] = [];
    const validator = createSessionCookieValidator({
      secret: SECRET,
      previousSecrets: [PREVIOUS],
      absoluteLifetimeSec: ABSOLUTE_LIFETIME_SEC,
      query: async (_text, params) => {
        calls.push(params);
        return [sessionRow()];
      },
      now: () => NOW,
    });
    expect(await validator.validate(encodeURIComponent(sign(TOKEN, PREVIOUS)))).not.toBeNull();
    expect(await validator.validate(COOKIE)).not.toBeNull();
    expect(calls.map((params) => params[0])).toEqual([STORED_TOKEN, STORED_TOKEN]);
    expect(await validator.validate(encodeURIComponent(sign(TOKEN, `${PREVIOUS}-x`)))).toBeNull();
    // Without the list, the previous secret's cookie is a forgery like any other.
    const { validator: currentOnly } = setup();
    expect(await currentOnly.validate(encodeURIComponent(sign(TOKEN, PREVIOUS)))).toBeNull();
  });

  it("refuses a correctly signed cookie whose session the database does not return", async () => {
    const { validator, calls } = setup([]);
    expect(await validator.validate(COOKIE)).toBeNull();
    expect(calls).toHaveLength(1);
  });

  it("reads timestamps that the SQL client returns as text, and numeric ids", async () => {
    const { validator } = setup([
      sessionRow({ id: 42, user_id: 7, expires_at: "2026-03-09 09:00:00+00" }),
    ]);
    expect(await validator.validate(COOKIE)).toMatchObject({
      sessionId: "42",
      userId: "7",
      expiresAt: new Date("2026-03-09T09:00:00.000Z"),
    });
  });

  it("rejects (does not answer null) when the database fails or returns an unexpected row", async () => {
    const failing = createSessionCookieValidator({
      secret: SECRET,
      absoluteLifetimeSec: ABSOLUTE_LIFETIME_SEC,
      query: async () => {
        throw new Error("connection refused");
      },
    });
    await expect(failing.validate(COOKIE)).rejects.toThrow("connection refused");

    const { validator } = setup([sessionRow({ created_at: "yesterday" })]);
    await expect(validator.validate(COOKIE)).rejects.toThrow(
      "session row: column 'created_at' is not a timestamp",
    );
  });

  it("fails at construction on a missing secret or a lifetime that is not positive", () => {
    const query: SessionQuery = async () => [];
    expect(() =>
      createSessionCookieValidator({ secret: "", absoluteLifetimeSec: 60, query }),
    ).toThrow("secret must be BETTER_AUTH_SECRET");
    expect(() =>
      createSessionCookieValidator({
        secret: SECRET,
        previousSecrets: [""],
        absoluteLifetimeSec: 60,
        query,
      }),
    ).toThrow("previousSecrets must be non-empty strings");
    for (const absoluteLifetimeSec of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() =>
        createSessionCookieValidator({ secret: SECRET, absoluteLifetimeSec, query }),
      ).toThrow("absoluteLifetimeSec must be a positive number of seconds");
    }
  });
});

describe("sessionCookieFromHeader", () => {
  it.each([
    ["the plain cookie", `theme=dark; better-auth.session_token=${COOKIE}; x=1`, COOKIE],
    ["the __Secure- cookie", `__Secure-better-auth.session_token=${COOKIE}`, COOKIE],
    [
      "the __Secure- cookie over a plain one, whatever the order",
      `better-auth.session_token=planted; __Secure-better-auth.session_token=${COOKIE}`,
      COOKIE,
    ],
    [
      "the first of two plain cookies",
      `better-auth.session_token=${COOKIE}; better-auth.session_token=later`,
      COOKIE,
    ],
    [
      "an unencoded value with = in it",
      `better-auth.session_token=${TOKEN}.${SIGNATURE}`,
      `${TOKEN}.${SIGNATURE}`,
    ],
    ["a DQUOTE-wrapped value", `better-auth.session_token="${COOKIE}"`, COOKIE],
    ["nothing without the cookie", "theme=dark; better-auth.session_data=abc", undefined],
    ["nothing for a look-alike name", `xbetter-auth.session_token=${COOKIE}`, undefined],
    ["nothing for an empty header", "", undefined],
    ["nothing for no header", undefined, undefined],
  ])("finds %s", (_name, header, expected) => {
    expect(sessionCookieFromHeader(header)).toBe(expected);
  });

  it("uses the configured cookie prefix", () => {
    const header = `better-auth.session_token=other; my-app.session_token=${COOKIE}`;
    expect(sessionCookieFromHeader(header, "my-app")).toBe(COOKIE);
    expect(sessionCookieFromHeader(`__Secure-my-app.session_token=${COOKIE}`, "my-app")).toBe(
      COOKIE,
    );
  });
});
