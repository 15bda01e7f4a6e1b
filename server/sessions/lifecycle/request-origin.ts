/** Where a request comes from, as recorded on sessions and events and compared by binding. */

/**
 * The header our HTTP layer overwrites with the client address it worked out itself
 * (TRUSTED_PROXIES); whatever a client sends in it is replaced, so it is never trusted from
 * outside. Better Auth reads the address from it too.
 */
export const CLIENT_IP_HEADER = "x-session-client-ip";

/** The request's client address and user agent (null when absent). */
export function requestOrigin(headers: Headers | undefined): {
  ipAddress: string | null;
  userAgent: string | null;
} {
  return {
    ipAddress: headers?.get(CLIENT_IP_HEADER) || null,
    userAgent: headers?.get("user-agent") || null,
  };
}
