/** Signs a user up (and in again) through Better Auth's real endpoints and keeps the cookies they set. */

export const BENCH_PASSWORD = "bench-password-0123456789";

/**
 * Sent at sign-up and with every later request, like one browser would: our session binding
 * compares a request's User-Agent with the sign-up's.
 */
export const BENCH_USER_AGENT = "typed-sessions-bench/1 (autocannon)";

export interface SignedUp {
  userId: string;
  /** A Cookie header carrying every cookie the sign-up set. */
  cookie: string;
  /** Their names, `__Secure-` prefix removed. */
  cookieNames: string[];
}

type Send = (request: Request) => Promise<Response>;

/** `send` is `fetch` over HTTP, or `auth.handler` in-process: the same endpoint either way. */
export function signUp(
  send: Send,
  baseUrl: string,
  email: string,
  extraHeaders: Record<string, string> = {},
): Promise<SignedUp> {
  const body = { name: "Bench User", email, password: BENCH_PASSWORD };
  return postAuth(send, baseUrl, "sign-up/email", body, extraHeaders, `Sign-up of ${email}`);
}

/**
 * Signs an existing user in through `POST /api/auth/sign-in/email` (a new session, a real cookie
 * from the real endpoint), as a returning browser would.
 */
export function signIn(
  send: Send,
  baseUrl: string,
  email: string,
  extraHeaders: Record<string, string> = {},
): Promise<SignedUp> {
  const body = { email, password: BENCH_PASSWORD };
  return postAuth(send, baseUrl, "sign-in/email", body, extraHeaders, `Sign-in of ${email}`);
}

/**
 * POSTs to a Better Auth endpoint as the bench's browser. Origin is sent because Better Auth and
 * our guard refuse cookie-bearing POSTs without one.
 */
async function postAuth(
  send: Send,
  baseUrl: string,
  path: string,
  body: Record<string, string>,
  extraHeaders: Record<string, string>,
  what: string,
): Promise<SignedUp> {
  const response = await send(
    new Request(`${baseUrl}/api/auth/${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin: new URL(baseUrl).origin,
        "user-agent": BENCH_USER_AGENT,
        ...extraHeaders,
      },
      body: JSON.stringify(body),
    }),
  );
  return readAuthResponse(response, what);
}

async function readAuthResponse(response: Response, what: string): Promise<SignedUp> {
  const body = (await response.json().catch(() => null)) as { user?: { id?: string } } | null;
  const userId = body?.user?.id;
  if (!response.ok || !userId) {
    throw new Error(`${what} failed: ${response.status} ${JSON.stringify(body)}`);
  }
  const pairs = response.headers
    .getSetCookie()
    .map((setCookie) => setCookie.split(";", 1)[0] ?? "")
    .filter((pair) => pair.includes("=") && !pair.endsWith("="));
  return {
    userId,
    cookie: pairs.join("; "),
    cookieNames: pairs.map((pair) => pair.slice(0, pair.indexOf("=")).replace(/^__Secure-/, "")),
  };
}

/** Throws unless sign-up set every expected cookie (without them the scenario measures the wrong path). */
export function requireCookies(signedUp: SignedUp, expected: string[], what: string): void {
  const missing = expected.filter((name) => !signedUp.cookieNames.includes(name));
  if (missing.length > 0) {
    throw new Error(
      `${what}: sign-up did not set ${missing.join(", ")} (got ${signedUp.cookieNames.join(", ") || "none"})`,
    );
  }
}
