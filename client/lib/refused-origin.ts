import { ErrorReason } from "../../shared/errors";

/**
 * The codes of a request refused for the page's origin: our CSRF guard's reason, and Better
 * Auth's own two on sign-up and sign-in.
 */
const REFUSED_ORIGIN_CODES: ReadonlySet<string> = new Set([
  ErrorReason.ORIGIN_NOT_ALLOWED,
  "INVALID_ORIGIN",
  "MISSING_OR_NULL_ORIGIN",
]);

export function isRefusedOrigin(code: string | null | undefined): boolean {
  return code != null && REFUSED_ORIGIN_CODES.has(code);
}

/**
 * What to say when the server refused the page's own address: the page is open somewhere the
 * server was not set up for (another host name, port or scheme), which only opening the app at
 * its address fixes. Never a bare "Invalid origin".
 */
export function refusedOriginMessage(origin = globalThis.location?.origin): string {
  const here = origin && origin !== "null" ? ` (${origin})` : "";
  return `The server does not accept requests from this address${here}. Open the app at the address it was set up with (its BASE_URL) and try again.`;
}
