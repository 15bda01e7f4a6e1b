/** PostgreSQL's unique_violation, seen through drizzle's wrapper on both drivers. */
export function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === "23505") return true;
  }
  return false;
}

/** postgres.js's own codes for a connection it could not make or lost. */
const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
]);

/**
 * The database cannot be reached or is shutting down (as opposed to a bad query): connection
 * errors, SQLSTATE class 08 (connection exception), 57P01-57P03 (shutdown, cannot connect now)
 * and 53300 (too many connections). Such a request should fail closed with 503, not 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== "string") continue;
    if (CONNECTION_ERROR_CODES.has(code)) return true;
    if (code.startsWith("08") || code === "57P01" || code === "57P02" || code === "57P03") {
      return true;
    }
    if (code === "53300") return true;
  }
  return false;
}
