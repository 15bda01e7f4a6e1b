/**
 * An API client of this app: it signs in with email and password, turns the session cookie into
 * a short-lived JWT (GET /api/auth/token), calls tRPC with nothing but `Authorization: Bearer`,
 * and fetches a new JWT when the server answers UNAUTHORIZED + TOKEN_INVALID (expired).
 *
 *   EMAIL=you@example.com PASSWORD='…' node --import tsx examples/api-client/client.ts
 *
 * BASE_URL defaults to http://localhost:3000. The cookie is the refresh credential: keep it as
 * secret as a password. The JWT goes to every API call; it is useless once its session ends.
 */
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import type { AppRouter } from "../../server/routers";

const baseUrl = (process.env.BASE_URL ?? "http://localhost:3000").replace(/\/+$/, "");
const email = process.env.EMAIL;
const password = process.env.PASSWORD;

/** The session cookies (name → value), as a browser would keep them. */
const cookies = new Map<string, string>();

function keepCookies(response: Response) {
  for (const line of response.headers.getSetCookie()) {
    const [pair = ""] = line.split(";");
    const eq = pair.indexOf("=");
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (value === "" || /;\s*max-age=0\s*(;|$)/i.test(line)) cookies.delete(name);
    else cookies.set(name, value);
  }
}

const cookieHeader = () => [...cookies].map(([name, value]) => `${name}=${value}`).join("; ");

/** Why a request failed, from Better Auth's `{ code, message }` or a tRPC error body. */
async function failure(what: string, response: Response): Promise<Error> {
  const body = (await response.json().catch(() => null)) as { message?: string } | null;
  return new Error(`${what}: ${response.status} ${body?.message ?? response.statusText}`);
}

async function signIn(): Promise<void> {
  if (!email || !password) throw new Error("Set EMAIL and PASSWORD");
  const response = await fetch(`${baseUrl}/api/auth/sign-in/email`, {
    method: "POST",
    // A cookie-setting POST: the server wants our Origin to be an allowed one, and JSON.
    headers: { "content-type": "application/json", origin: new URL(baseUrl).origin },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok) throw await failure("Sign-in failed", response);
  keepCookies(response);
}

/** A new JWT for our session. 401 means the session itself ended: sign in again. */
async function fetchJwt(): Promise<string> {
  const response = await fetch(`${baseUrl}/api/auth/token`, {
    headers: { cookie: cookieHeader() },
  });
  if (!response.ok) throw await failure("No API token", response);
  keepCookies(response); // the session's sliding expiry may have been renewed
  const { token } = (await response.json()) as { token: string };
  return token;
}

let jwt: string | null = null;

const api = createTRPCClient<AppRouter>({
  links: [
    httpLink({
      url: `${baseUrl}/api/trpc`,
      // Only the bearer token: no cookie, so the server treats this as an API call.
      headers: () => (jwt ? { authorization: `Bearer ${jwt}` } : {}),
    }),
  ],
});

/** Runs a call with a JWT; on TOKEN_INVALID (it expired) gets a new one and tries once more. */
async function withJwt<T>(call: () => Promise<T>): Promise<T> {
  jwt ??= await fetchJwt();
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof TRPCClientError) || error.data?.reason !== "TOKEN_INVALID") throw error;
    jwt = await fetchJwt();
    return call();
  }
}

async function main() {
  await signIn();
  const me = await withJwt(() => api.session.current.query());
  console.log(`Signed in as ${me?.user.email} (session ${me?.session.id})`);
  const devices = await withJwt(() => api.session.list.query());
  for (const device of devices) {
    const client = device.device.browser ?? device.userAgent ?? "unknown client";
    console.log(`${device.isCurrent ? "*" : " "} ${client}, last active ${device.lastActiveAt}`);
  }
  // Sensitive procedures refuse API tokens (FORBIDDEN + SESSION_NOT_FRESH): use the app.
  await withJwt(() => api.session.revokeOthers.mutate()).catch((error: unknown) => {
    if (error instanceof TRPCClientError) console.log(`revokeOthers: ${error.message}`);
    else throw error;
  });
  // Each sign-in is a device in the user's list: end ours. The JWT dies with the session.
  await signOut();
  await api.session.list.query().catch((error: unknown) => {
    if (error instanceof TRPCClientError) console.log(`After sign-out: ${error.data?.reason}`);
    else throw error;
  });
}

async function signOut(): Promise<void> {
  const response = await fetch(`${baseUrl}/api/auth/sign-out`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      origin: new URL(baseUrl).origin,
      cookie: cookieHeader(),
    },
    body: "{}",
  });
  if (!response.ok) throw await failure("Sign-out failed", response);
  cookies.clear();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
