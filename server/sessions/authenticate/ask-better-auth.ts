import type { Auth } from "../../auth/better-auth";
import { forwardSetCookies } from "./cookies";

/**
 * Better Auth's own reading of the request's session, past its cookie cache: it slides the
 * expiry when due, clears the cookies of a session it cannot find, and rewrites its cookie cache
 * (`session_data`) from the database; its Set-Cookie lines are forwarded to `resHeaders`.
 * Returns the session it found, or null.
 */
export async function askBetterAuth(auth: Auth, headers: Headers, resHeaders: Headers) {
  const result = await auth.api.getSession({
    headers,
    query: { disableCookieCache: true },
    returnHeaders: true,
  });
  forwardSetCookies(result.headers, resHeaders);
  return result.response;
}
