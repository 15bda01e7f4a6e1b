import { TRPCError } from "@trpc/server";
import type { ZodError } from "zod";
import { isDatabaseUnavailable } from "../../db/errors";
import { ErrorReason } from "../../shared/errors";

type Code = ConstructorParameters<typeof TRPCError>[0]["code"];

/** A TRPCError that carries a machine-readable reason; the error formatter exposes it as `data.reason`. */
export class ReasonedError extends TRPCError {
  readonly reason: ErrorReason;
  constructor(code: Code, reason: ErrorReason, message: string, cause?: unknown) {
    super({ code, message, cause });
    this.reason = reason;
  }
}

const SESSION_ENDED_MESSAGES: Partial<Record<ErrorReason, string>> = {
  [ErrorReason.SESSION_EVICTED]:
    "You were signed out: a sign-in on another device went over the limit of signed-in devices",
  [ErrorReason.SESSION_REVOKED]:
    "Your session was ended from another device or by an administrator",
  [ErrorReason.SESSION_EXPIRED]: "Your session expired",
  [ErrorReason.SESSION_BINDING_MISMATCH]:
    "Your session was ended because it was used from another network or browser",
  [ErrorReason.TOKEN_INVALID]:
    "Your API token is invalid or expired: get a new one from /api/auth/token",
};

/** UNAUTHORIZED for a request without a live session, saying why its session ended when known. */
export function sessionEndedError(reason: ErrorReason): ReasonedError {
  return new ReasonedError(
    "UNAUTHORIZED",
    reason,
    SESSION_ENDED_MESSAGES[reason] ?? "Sign in to continue",
  );
}

/**
 * Rethrows `error`, as a 503 `storeUnavailableError` when the database was unreachable: without
 * it nothing about a session can be decided, so the request is refused, never guessed.
 */
export function rethrowStoreUnavailable(error: unknown): never {
  throw isDatabaseUnavailable(error) ? storeUnavailableError(error) : error;
}

/** 503 for a request that could not be decided because the database is unreachable (fail closed). */
export function storeUnavailableError(cause: unknown): ReasonedError {
  return new ReasonedError(
    "SERVICE_UNAVAILABLE",
    ErrorReason.STORE_UNAVAILABLE,
    "The service is temporarily unavailable. Try again in a moment.",
    cause,
  );
}

/**
 * A sentence for input that failed its schema, instead of zod's issues as JSON: the first
 * problem and the field it is about. Every problem, by field, is in `data.zodError`.
 */
export function describeInvalidInput(error: ZodError): string {
  const [first, ...others] = error.issues;
  if (!first) return "Check the input";
  const field = first.path.map(String).join(".");
  const more =
    others.length === 0
      ? ""
      : ` (and ${others.length} more ${others.length === 1 ? "problem" : "problems"})`;
  return `Check ${field || "the input"}: ${first.message}${more}`;
}
