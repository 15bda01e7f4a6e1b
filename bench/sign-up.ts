/** Signs a user up through Better Auth's real endpoint and keeps the cookies it sets. */

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

/**
 * `send` is `fetch` over HTTP, or `auth.handler` in-process: the same endpoint either way.
 * Origin is sent because Better Auth and our guard refuse cookie-bearing POSTs without one.
 */
export async function signUp(
  send: (request: Request) => Promise<Response>,
  baseUrl: string,
  email: string,
  extraHeaders: Record<string, string> = {},
): Promise<SignedUp> {
  const response = await send(
    new Request(`${baseUrl}/api/auth/sign-up/email`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin: new URL(baseUrl).origin,
        "user-agent": BENCH_USER_AGENT,
        ...extraHeaders,
      },
      body: JSON.stringify({ name: "Bench User", email, password: BENCH_PASSWORD }),
    }),
  );
  const body = (await response.json().catch(() => null)) as { user?: { id?: string } } | null;
  const userId = body?.user?.id;
  if (!response.ok || !userId) {
    throw new Error(`Sign-up of ${email} failed: ${response.status} ${JSON.stringify(body)}`);
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
