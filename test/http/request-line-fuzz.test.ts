/**
 * Request lines, paths and headers a browser would never send, written to the real server (on a
 * loopback port, in-process) byte for byte: odd methods, absolute-form and `*` targets, malformed
 * percent-encoding, control characters, very long paths, hostile `Host` and `X-Forwarded-*`,
 * cookie shapes (duplicate names, `session_data.0/.1` chunks, a malformed `session_data` next to
 * a valid token, quoted values), Origin and Content-Type variants, Content-Length against chunked.
 *
 * Every answer is well-formed HTTP/1.1 with a status below 500 (Node's parser answers what it
 * cannot read with a bare 400 and closes), and nothing is logged at error level: the project's
 * logger is watched, and so is console.error (where the logger sends error lines under vitest).
 * The 500s of the original finding are pinned one by one.
 *
 * Seed: FC_SEED (printed at start).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import {
  afterAll,
  afterEach,
  beforeAll,
  describe,
  expect,
  it,
  type MockInstance,
  vi,
} from "vitest";
import { logger } from "../../server/logger";
import { newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useTestServer } from "../support/fixtures";
import { configureSeed, STACK_TRACE } from "../support/hostile-input";
import { HttpClient } from "../support/http-client";
import { claimsOf } from "../support/jwt";
import { type HeaderList, type RawExchange, type RawRequest, sendRaw } from "../support/raw-http";
import { sessionIdOfToken } from "../support/sessions";

configureSeed();
const RUNS = 300;
const TOKEN_COOKIE = "better-auth.session_token";
const DATA_COOKIE = "better-auth.session_data";
const SPA_SHELL = "<!doctype html><title>request-line-fuzz SPA shell</title>";

/** UTF-8 text as the latin1 string that writes its bytes (the raw client writes latin1). */
const utf8Bytes = (text: string) => Buffer.from(text, "utf8").toString("latin1");

describe.each(databaseKinds)("request lines, paths and headers on %s", (kind) => {
  const staticRoot = mkdtempSync(path.join(tmpdir(), "sessions-fuzz-"));
  const server = useTestServer(kind, {}, staticRoot);
  let host: string;
  let browser: HttpClient;
  let credentials: ReturnType<typeof newCredentials>;
  let jwt: string;
  let errorSpies: MockInstance[];
  let warnSpy: MockInstance;

  beforeAll(async () => {
    writeFileSync(path.join(staticRoot, "index.html"), SPA_SHELL);
    host = new URL(server.baseUrl).host;
    browser = new HttpClient(server.baseUrl);
    credentials = newCredentials("fuzz");
    expect((await browser.signUp(credentials)).status).toBe(200);
    const token = await browser.request("/api/auth/token");
    jwt = ((await token.json()) as { token: string }).token;
    errorSpies = [vi.spyOn(logger, "error"), vi.spyOn(logger, "fatal")];
    warnSpy = vi.spyOn(logger, "warn");
  });
  afterAll(async () => {
    for (const spy of [...(errorSpies ?? []), warnSpy]) spy?.mockRestore();
    rmSync(staticRoot, { recursive: true, force: true });
  });
  afterEach(() => {
    for (const spy of [...errorSpies, warnSpy]) spy.mockClear();
  });

  /** Error-level lines so far: the logger's, and console.error's (which the setup also counts). */
  const errorsLogged = () =>
    errorSpies.reduce((sum, spy) => sum + spy.mock.calls.length, 0) +
    vi.mocked(console.error).mock.calls.length;

  /** The browser's session, signed in again when a request of the fuzz signed it out. */
  async function liveCookies() {
    if ((await sessionIdOfToken(server.database.db, browser.sessionToken(TOKEN_COOKIE))) === null) {
      for (const name of browser.jar.names()) browser.jar.delete(name);
      expect((await browser.signIn(credentials)).status).toBe(200);
    }
    return {
      token: browser.jar.get(TOKEN_COOKIE) ?? "",
      data: browser.jar.get(DATA_COOKIE) ?? "",
    };
  }

  /** Well-formed answers below 500 (none only for CONNECT, which Node drops), no stack. */
  function expectSaneExchange(exchange: RawExchange, method: string, what: string) {
    const detail = `${what}\n<- ${JSON.stringify(exchange.raw.slice(0, 400))}`;
    expect(exchange.timedOut, detail).toBe(false);
    if (method !== "CONNECT") expect(exchange.responses.length, detail).toBeGreaterThan(0);
    for (const response of exchange.responses) {
      expect(response.status, detail).toBeGreaterThanOrEqual(100);
      expect(response.status, detail).toBeLessThan(500);
      expect(response.text, detail).not.toMatch(STACK_TRACE);
    }
  }

  // --- what the fuzz writes ----------------------------------------------------------------

  const method = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom("GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom("TRACE", "PROPFIND", "QUERY", "get", "Post", "G ET", "", "GET\t"),
    },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Z!#$%&'*+.^_`|~-]{1,8}$/) },
  );

  const knownPath = fc.constantFrom(
    "/api/auth/ok",
    "/api/auth/error",
    "/api/auth/jwks",
    "/api/auth/get-session",
    "/api/auth/token",
    "/api/auth/sign-in/email",
    "/api/auth/sign-up/email",
    "/api/auth/sign-out",
    "/api/auth/list-sessions",
    "/api/auth/update-user",
    "/api/trpc/session.current",
    "/api/trpc/session.list",
    "/api/trpc/session.revokeOthers",
    "/api/trpc/session.list,session.current",
    "/api/trpc/admin.revokeAllSessions",
    "/api/other",
    "/healthz",
    "/",
    "/index.html",
    "/assets/app.js",
  );
  const oddPiece = fc.constantFrom(
    "%",
    "%E0%A4%A",
    "%zz",
    "%2f",
    "%2F",
    "%2e%2e",
    "%00",
    "%C0%AF",
    "%F0%9F%98",
    "..",
    ".",
    "//",
    "/../..",
    "\u0001",
    "\u007f",
    " ",
    "\\",
    "#",
    "\u00ff",
    ";",
    "?",
    "\t",
    "@",
    ":",
    "[",
    "]",
    "{",
    "|",
    "^",
    "`",
    '"',
    "<",
    ">",
    utf8Bytes("é"),
    utf8Bytes("\u202e"),
  );
  const query = fc.oneof(
    fc.constant(""),
    fc.constantFrom(
      "?",
      "?batch=1",
      "?batch=1&input=%7B%7D",
      "?input=%7B",
      "?input=%E0%A4%A",
      "?connectionParams=%7B",
      "?error=%3Cscript%3E&error_description=%3Cimg%3E",
      "?callbackURL=//evil.example",
      "?disableCookieCache=true",
      "?%",
      "?a=%zz&a=%E0%A4%A",
      "?/api/auth/list-sessions",
    ),
    fc.string({ maxLength: 20 }).map((text) => `?${utf8Bytes(text).replace(/[\r\n]/g, "")}`),
  );
  const originForm = fc
    .record({
      base: knownPath,
      pieces: fc.array(fc.tuple(oddPiece, fc.nat()), { maxLength: 3 }),
      query,
    })
    .map(({ base, pieces, query: search }) => {
      let target: string = base;
      for (const [piece, at] of pieces) {
        const cut = 1 + (at % target.length);
        target = `${target.slice(0, cut)}${piece}${target.slice(cut)}`;
      }
      return `${target}${search}`;
    });
  const target = fc.oneof(
    { weight: 10, arbitrary: originForm },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom("http://", "https://", "HTTP://", "ftp://", "//"),
          fc.constantFrom("HOST", "localhost", "evil.example", "[::1", "a b", "HOST:99999", ""),
          knownPath,
        )
        .map(([scheme, authority, pathname]) => `${scheme}${authority}${pathname}`),
    },
    { weight: 1, arbitrary: fc.constantFrom("*", "", "api/auth/ok", "%2fapi/auth/ok", "?x") },
    {
      weight: 1,
      arbitrary: fc
        .tuple(knownPath, fc.integer({ min: 1_000, max: 20_000 }))
        .map(([pathname, length]) => `${pathname}/${"a".repeat(length)}`),
    },
  );
  const version = fc.oneof(
    { weight: 12, arbitrary: fc.constant("HTTP/1.1") },
    {
      weight: 1,
      arbitrary: fc.constantFrom("HTTP/1.0", "HTTP/2.0", "HTTP/1.2", "http/1.1", "HTTP/1.1 x"),
    },
  );

  type Header = readonly [string, string];
  const none = fc.constant<Header[]>([]);
  const one = (name: string, values: string[]) =>
    fc.constantFrom(...values).map((value): Header[] => [[name, value]]);

  const hostHeaders = fc.oneof(
    { weight: 8, arbitrary: fc.constant<Header[]>([["Host", "HOST"]]) },
    {
      weight: 3,
      arbitrary: one("Host", [
        "a b",
        "[::1",
        "HOST/api/auth/list-sessions?",
        "evil.example",
        "",
        "localhost:99999",
        "%",
        "x".repeat(300),
        utf8Bytes("ex\u00e4mple.com"),
      ]),
    },
    { weight: 1, arbitrary: none },
    {
      weight: 1,
      arbitrary: fc.constant<Header[]>([
        ["Host", "HOST"],
        ["Host", "evil.example/api/auth/list-sessions?"],
      ]),
    },
  );
  const proxyHeaders = fc
    .subarray([
      ["X-Forwarded-Host", ["evil.example", "HOST/api/auth/list-sessions?", "[::1", "a b"]],
      [
        "X-Forwarded-Proto",
        ["http://[::1", "http://HOST/api/auth/list-sessions?", "https", "javascript:", ""],
      ],
      [
        "Forwarded",
        ['host="[::1";proto=http', "for=unknown;host=evil.example", "proto=http://[::1"],
      ],
      ["X-Forwarded-For", ["203.0.113.9", "garbage", "::1, 10.0.0.1", ""]],
      ["X-Session-Client-Ip", ["203.0.113.9"]],
    ] as Array<[string, string[]]>)
    .chain((groups) =>
      groups.length === 0
        ? none
        : fc
            .tuple(...groups.map(([name, values]) => one(name, values)))
            .map((parts) => parts.flat()),
    );

  /** Cookie headers, built once the live cookie values are known. */
  type CookieShape = (cookies: { token: string; data: string }) => string | null;
  const cookieShape = fc.oneof(
    fc.constantFrom<CookieShape>(
      () => null,
      ({ token, data }) => `${TOKEN_COOKIE}=${token}; ${DATA_COOKIE}=${data}`,
      ({ token }) => `${TOKEN_COOKIE}=${token}`,
      ({ token }) => `${TOKEN_COOKIE}=${token}; ${TOKEN_COOKIE}=garbage`,
      ({ token }) => `${TOKEN_COOKIE}=garbage; ${TOKEN_COOKIE}=${token}`,
      ({ token }) => `${TOKEN_COOKIE}="${token}"`,
      ({ token }) => `__Secure-${TOKEN_COOKIE}=${token}`,
      ({ token }) => `${TOKEN_COOKIE}.0=${token}`,
      ({ token, data }) =>
        `${TOKEN_COOKIE}=${token}; ${DATA_COOKIE}.0=${data.slice(0, 40)}; ${DATA_COOKIE}.1=${data.slice(40)}`,
      ({ data }) => `${DATA_COOKIE}=${data}`,
      ({ token, data }) =>
        `${TOKEN_COOKIE}=${token}; ${DATA_COOKIE}=${data}; ${DATA_COOKIE}=${data}`,
      () => "=; =; ;;; =x",
      () => `${TOKEN_COOKIE}=%`,
      () => `${TOKEN_COOKIE}=${"a".repeat(8_000)}`,
    ),
    fc
      .constantFrom(
        "%",
        "%%%",
        "{",
        "not base64!",
        "e30",
        "eyJzZXNzaW9uIjp7fX0",
        "a".repeat(5_000),
        "",
      )
      .map<CookieShape>(
        (malformed) =>
          ({ token }) =>
            `${TOKEN_COOKIE}=${token}; ${DATA_COOKIE}=${malformed}`,
      ),
    fc
      .string({ maxLength: 30 })
      .map<CookieShape>((text) => () => utf8Bytes(text).replace(/[\r\n]/g, "")),
  );

  const originHeaders = fc.oneof(
    { weight: 4, arbitrary: fc.constant<Header[]>([["Origin", "BASE"]]) },
    {
      weight: 2,
      arbitrary: one("Origin", [
        "null",
        "https://evil.example",
        "BASE/",
        "HTTP://HOST",
        "http://localhost",
        "",
        "\u00ff",
      ]),
    },
    { weight: 2, arbitrary: none },
    {
      weight: 1,
      arbitrary: fc.constant<Header[]>([
        ["Origin", "https://evil.example"],
        ["Origin", "BASE"],
      ]),
    },
  );
  const otherHeaders = fc.subarray<Header>([
    ["Sec-Fetch-Site", "cross-site"],
    ["Sec-Fetch-Site", "same-origin"],
    ["Authorization", "Bearer "],
    ["Authorization", "Bearer garbage.garbage.garbage"],
    ["Authorization", "Basic dXNlcjpwYXNz"],
    ["Authorization", "JWT"],
    ["Authorization", "Bearer VALID_JWT"],
    ["Expect", "100-continue"],
    ["Expect", "something-else"],
    ["Upgrade", "h2c"],
    ["X-Odd", "\u0001"],
    ["X-Odd", "\u00ff"],
    ["X-Odd", ""],
    ["X-Long", "a".repeat(9_000)],
    ["trpc-accept", "application/jsonl"],
    ["X-HTTP-Method-Override", "DELETE"],
    ["Range", "bytes=0-1"],
    ["If-None-Match", "*"],
  ]);
  const contentType = fc.oneof(
    { weight: 4, arbitrary: fc.constant<Header[]>([["Content-Type", "application/json"]]) },
    {
      weight: 2,
      arbitrary: one("Content-Type", [
        "APPLICATION/JSON",
        "application/json; charset=utf-8",
        "application/json;",
        "application/jsonx",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/octet-stream",
        "application/x-www-form-urlencoded",
        "",
      ]),
    },
    { weight: 1, arbitrary: none },
  );
  const body = fc.constantFrom(
    "",
    "{}",
    "null",
    '{"email":"nobody@example.com","password":"wrong password 123"}',
    '{"0":{"id":"x"}}',
    "[",
    '{"__proto__":{"polluted":true}}',
    utf8Bytes('{"name":"\u0000"}'),
  );
  const framing = fc.constantFrom(
    "none",
    "length",
    "length",
    "chunked",
    "length and chunked",
    "length twice",
    "bad length",
    "short length",
    "chunked, gzip",
  );

  function frame(kindOfFraming: string, text: string): { headers: Header[]; bytes: string } {
    const length = String(Buffer.byteLength(text, "latin1"));
    const chunked =
      text.length > 0 ? `${text.length.toString(16)}\r\n${text}\r\n0\r\n\r\n` : "0\r\n\r\n";
    switch (kindOfFraming) {
      case "length":
        return { headers: [["Content-Length", length]], bytes: text };
      case "chunked":
        return { headers: [["Transfer-Encoding", "chunked"]], bytes: chunked };
      case "length and chunked":
        return {
          headers: [
            ["Content-Length", length],
            ["Transfer-Encoding", "chunked"],
          ],
          bytes: chunked,
        };
      case "length twice":
        return {
          headers: [
            ["Content-Length", length],
            ["Content-Length", `${length}0`],
          ],
          bytes: text,
        };
      case "bad length":
        return { headers: [["Content-Length", "1e3"]], bytes: text };
      case "short length":
        // The last byte is left over: Node reads it as the start of another request.
        return {
          headers: [["Content-Length", String(Math.max(0, Number(length) - 1))]],
          bytes: text,
        };
      case "chunked, gzip":
        return { headers: [["Transfer-Encoding", "chunked, gzip"]], bytes: chunked };
      default:
        return { headers: [], bytes: "" };
    }
  }

  /** A request a browser could send, then up to three of its parts replaced by odd ones. */
  const validCookie: CookieShape = ({ token, data }) =>
    `${TOKEN_COOKIE}=${token}; ${DATA_COOKIE}=${data}`;
  const mutation = fc.oneof(
    method.map((value) => ({ method: value })),
    target.map((value) => ({ target: value })),
    version.map((value) => ({ version: value })),
    hostHeaders.map((value) => ({ host: value })),
    proxyHeaders.map((value) => ({ proxy: value })),
    { weight: 3, arbitrary: cookieShape.map((value) => ({ cookie: value })) },
    originHeaders.map((value) => ({ origin: value })),
    contentType.map((value) => ({ contentType: value })),
    otherHeaders.map((value) => ({ other: value })),
    framing.map((value) => ({ framing: value })),
  );
  const fuzzedRequest = fc
    .record({
      method: fc.constantFrom("GET", "POST"),
      target: fc.tuple(knownPath, query).map(([pathname, search]) => `${pathname}${search}`),
      body,
      mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
    })
    .map(({ mutations, ...start }) =>
      Object.assign(
        {
          ...start,
          version: "HTTP/1.1",
          host: [["Host", "HOST"]] as Header[],
          proxy: [] as Header[],
          cookie: validCookie,
          origin: [["Origin", "BASE"]] as Header[],
          contentType: [["Content-Type", "application/json"]] as Header[],
          other: [] as Header[],
          framing: "length",
        },
        ...mutations,
      ),
    );
  type Fuzzed = typeof fuzzedRequest extends fc.Arbitrary<infer T> ? T : never;

  function build(fuzzed: Fuzzed, cookies: { token: string; data: string }): RawRequest {
    // Placeholders of the generators; cookie values (base64) are left as they are.
    const fill = (value: string) =>
      value
        .replaceAll("HOST", host)
        .replaceAll("BASE", server.baseUrl)
        .replaceAll("VALID_JWT", jwt);
    const cookie = fuzzed.cookie(cookies);
    const framed = frame(fuzzed.framing, fuzzed.body);
    const headers: HeaderList = [
      ...fuzzed.host,
      ["User-Agent", browser.userAgent],
      ...fuzzed.proxy,
      ...(cookie === null ? [] : ([["Cookie", cookie]] as const)),
      ...fuzzed.origin,
      ...fuzzed.contentType,
      ...fuzzed.other,
      ...framed.headers,
      ["Connection", "close"],
    ].map(([name, value]) => [name, name === "Cookie" ? value : fill(value)] as const);
    return {
      method: fuzzed.method,
      target: fill(fuzzed.target),
      version: fuzzed.version,
      headers,
      body: Buffer.from(framed.bytes, "latin1"),
    };
  }

  it(`answers ${RUNS} fuzzed requests with well-formed HTTP below 500, logging no error`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fuzzedRequest, async (fuzzed) => {
        const raw = build(fuzzed, await liveCookies());
        const what = `-> ${JSON.stringify(
          `${raw.method} ${raw.target.slice(0, 200)} ${raw.version}\n${raw.headers
            .map(([name, value]) => `${name}: ${value.slice(0, 200)}`)
            .join("\n")}`,
        )} (${fuzzed.framing}, body ${JSON.stringify(fuzzed.body)})`;
        const errorsBefore = errorsLogged();
        const exchange = await sendRaw(server.baseUrl, raw, { timeoutMs: 10_000 });
        expectSaneExchange(exchange, raw.method, what);
        expect(errorsLogged() - errorsBefore, `error-level log for ${what}`).toBe(0);
        const status = exchange.responses[0]?.status ?? 0;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }),
      { numRuns: RUNS },
    );
    // The fuzz reached the handlers, not only Node's parser.
    const answered = [...statuses].filter(([status]) => status !== 400).length;
    expect(answered, JSON.stringify([...statuses])).toBeGreaterThanOrEqual(5);
  }, 180_000);

  // --- the original 500s, and the cookie regression --------------------------------------

  async function exchangeOf(
    methodName: string,
    requestTarget: string,
    extra: HeaderList = [],
    { withHost = true } = {},
  ) {
    const exchange = await sendRaw(server.baseUrl, {
      method: methodName,
      target: requestTarget,
      headers: [
        ...(withHost ? ([["Host", host]] as const) : []),
        ["User-Agent", browser.userAgent],
        ...extra,
        ["Connection", "close"],
      ],
    });
    expectSaneExchange(exchange, methodName, `${methodName} ${requestTarget}`);
    expect(exchange.responses).toHaveLength(1);
    return exchange.responses[0] as NonNullable<(typeof exchange.responses)[0]>;
  }

  /** Our 400 for a request target we do not route: a warn line without a stack, no error line. */
  function expectMalformedTargetRefusal(response: { status: number; text: string }) {
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({ error: { message: "Malformed request target" } });
    const warned = warnSpy.mock.calls.filter((args) =>
      args.some((arg) => arg === "Refused a malformed request target"),
    );
    expect(warned).toHaveLength(1);
    expect(JSON.stringify(warned[0]?.[0])).not.toMatch(/stack|"err"/);
    expect(errorsLogged()).toBe(0);
  }

  it("refuses an absolute-form request target with 400 (was a 500)", async () => {
    for (const form of [
      "http://localhost/api/auth/ok",
      `http://${host}/api/auth/ok`,
      `http://${host}/api/auth/list-sessions`,
      `http://${host}/api/trpc/session.list`,
    ]) {
      warnSpy.mockClear();
      expectMalformedTargetRefusal(await exchangeOf("GET", form));
    }
  });

  it("refuses a path with malformed percent-encoding with 400 (was a 500)", async () => {
    for (const target of ["/api/trpc/%E0%A4%A", "/api/auth/%E0%A4%A", "/%zz", "/api/trpc/x%"]) {
      warnSpy.mockClear();
      expectMalformedTargetRefusal(await exchangeOf("GET", target));
    }
  });

  it("ignores X-Forwarded-Proto (http://[::1 was a 500): the request is answered where BASE_URL says", async () => {
    for (const value of ["http://[::1", `http://${host}/api/auth/list-sessions?`, "javascript:"]) {
      const response = await exchangeOf("GET", "/api/auth/ok", [["X-Forwarded-Proto", value]]);
      expect(response.status, value).toBe(200);
      expect(JSON.parse(response.text), value).toEqual({ ok: true });
    }
    expect(errorsLogged()).toBe(0);
  });

  it("never routes by a Host that is not a host (Host: a b was a 500)", async () => {
    for (const value of ["a b", "[::1", `${host}/api/auth/list-sessions?`]) {
      const response = await exchangeOf("GET", "/api/auth/ok", [["Host", value]], {
        withHost: false,
      });
      expect(response.status, value).toBeLessThan(500);
      expect(response.text, value).not.toContain("token");
    }
    expect(errorsLogged()).toBe(0);
  });

  // RFC 9112 3.2: "A server MUST respond with a 400 (Bad Request) status code to
  // any HTTP/1.1 request message that lacks a Host header field and to any request message that
  // contains more than one Host header field line or a Host header field with an invalid field
  // value." Node refuses only a missing Host; the server refuses the rest.
  it("refuses a Host header that is not a valid host, and two Host lines, with 400", async () => {
    const answers: string[] = [];
    for (const hosts of [
      ["a b"],
      ["[::1"],
      [`${host}/api/auth/list-sessions?`],
      [host, "evil.example"],
    ]) {
      const response = await exchangeOf(
        "GET",
        "/api/auth/ok",
        hosts.map((value) => ["Host", value] as const),
        { withHost: false },
      );
      answers.push(`${hosts.join(" + ")} -> ${response.status}`);
    }
    expect(answers.filter((answer) => !answer.endsWith("-> 400"))).toEqual([]);
  });

  describe("requests that were 500s", () => {
    it("answers a scheme-relative target with an authority URL cannot parse below 500, logging no error", async () => {
      const answers: string[] = [];
      for (const method of ["GET", "HEAD"]) {
        for (const target of ["//[::1/x", "//a%20b/", "//localhost:99999/", "//a:b@/", "//[::1"]) {
          const exchange = await sendRaw(server.baseUrl, {
            method,
            target,
            headers: [
              ["Host", host],
              ["Connection", "close"],
            ],
          });
          answers.push(`${method} ${target} -> ${exchange.responses[0]?.status}`);
        }
      }
      expect(answers.filter((answer) => !/-> [1-4]\d\d$/.test(answer))).toEqual([]);
      expect(errorsLogged()).toBe(0);
    });

    it("answers TRACE on the API with a 4xx, logging no error", async () => {
      const { token, data } = await liveCookies();
      const answers: string[] = [];
      for (const target of [
        "/api/auth/ok",
        "/api/auth/sign-in/email",
        "/api/auth/sign-out",
        "/api/trpc/session.list",
      ]) {
        for (const cookie of [null, `${TOKEN_COOKIE}=${token}; ${DATA_COOKIE}=${data}`]) {
          const exchange = await sendRaw(server.baseUrl, {
            method: "TRACE",
            target,
            headers: [
              ["Host", host],
              ["Origin", server.baseUrl],
              ["Content-Type", "application/json"],
              ...(cookie === null ? [] : ([["Cookie", cookie]] as const)),
              ["Connection", "close"],
            ],
          });
          answers.push(
            `TRACE ${target}${cookie ? " (signed in)" : ""} -> ${exchange.responses[0]?.status}`,
          );
        }
      }
      expect(answers.filter((answer) => !/-> 4\d\d$/.test(answer))).toEqual([]);
      expect(errorsLogged()).toBe(0);
    });
  });

  it("closes a CONNECT without answering it and without an error", async () => {
    const exchange = await sendRaw(server.baseUrl, {
      method: "CONNECT",
      target: host,
      headers: [["Host", host]],
    });
    expect(exchange.timedOut).toBe(false);
    expect(exchange.raw).toBe("");
    expect(errorsLogged()).toBe(0);
  });

  describe("a malformed session_data cookie next to a valid session token", () => {
    const malformed = [
      "%",
      "%%%",
      "{",
      "not base64!",
      "eyJzZXNzaW9uIjp7fX0",
      "a".repeat(3_000),
      "",
      // A chunked cache whose chunks do not assemble.
      null,
    ];
    const cookieWith = (token: string, data: string | null) =>
      data === null
        ? `${TOKEN_COOKIE}=${token}; ${DATA_COOKIE}.0=abc; ${DATA_COOKIE}.1=%%`
        : `${TOKEN_COOKIE}=${token}; ${DATA_COOKIE}=${data}`;

    it("GET /api/auth/get-session answers 200 with the session", async () => {
      const { token } = await liveCookies();
      const userId = (await (await browser.request("/api/auth/get-session")).json()).user.id;
      for (const data of malformed) {
        const response = await exchangeOf("GET", "/api/auth/get-session", [
          ["Cookie", cookieWith(token, data)],
        ]);
        expect(response.status, String(data)).toBe(200);
        expect(JSON.parse(response.text)?.user?.id, String(data)).toBe(userId);
      }
      expect(errorsLogged()).toBe(0);
    });

    it("GET /api/auth/token answers 200 with a JWT for the session", async () => {
      const { token } = await liveCookies();
      const current = (await (await browser.request("/api/auth/get-session")).json()).session;
      for (const data of malformed) {
        const response = await exchangeOf("GET", "/api/auth/token", [
          ["Cookie", cookieWith(token, data)],
        ]);
        expect(response.status, String(data)).toBe(200);
        expect(claimsOf(JSON.parse(response.text).token).sid, String(data)).toBe(current.id);
      }
      expect(errorsLogged()).toBe(0);
    });

    it("tRPC session.current answers with the session", async () => {
      const { token } = await liveCookies();
      for (const data of malformed) {
        const response = await exchangeOf("GET", "/api/trpc/session.current", [
          ["Cookie", cookieWith(token, data)],
        ]);
        expect(response.status, String(data)).toBe(200);
        expect(JSON.parse(response.text).result.data.user.email, String(data)).toBe(
          credentials.email,
        );
      }
      expect(errorsLogged()).toBe(0);
    });
  });
});
