/** Reading typed server errors in the SPA. */
import { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "../../server/routers";
import { ErrorReason } from "../../shared/errors";
import { refusedOriginMessage } from "./refused-origin";

export type ServerError = TRPCClientError<AppRouter>;

export function asServerError(error: unknown): ServerError | null {
  return error instanceof TRPCClientError ? (error as ServerError) : null;
}

export function reasonOf(error: unknown): ErrorReason | null {
  return (asServerError(error)?.data?.reason as ErrorReason | null | undefined) ?? null;
}

/**
 * True when the server says this browser has no live session any more (revoked elsewhere,
 * expired, signed out). A wrong password is also UNAUTHORIZED but leaves the session alone.
 */
export function isSessionEnded(error: unknown): boolean {
  const serverError = asServerError(error);
  return (
    serverError?.data?.code === "UNAUTHORIZED" && reasonOf(error) !== ErrorReason.INVALID_PASSWORD
  );
}

/** The message to show for a failed request, or null when there is nothing to show. */
export function errorMessage(error: unknown): string | null {
  if (!error) return null;
  // The 401 handler is already taking the user to sign-in.
  if (isSessionEnded(error)) return null;
  const reason = reasonOf(error);
  // Shown behind the password dialog, and after it was cancelled.
  if (reason === ErrorReason.SESSION_NOT_FRESH) return "Confirm your password to continue.";
  const serverError = asServerError(error);
  if (!serverError) return "Something went wrong. Please try again.";
  if (reason === ErrorReason.INVALID_PASSWORD) return "That password is not correct.";
  if (reason === ErrorReason.ORIGIN_NOT_ALLOWED) return refusedOriginMessage();
  // "Too many attempts. Try again in N seconds." or "… N minutes." (Retry-After has the seconds).
  if (reason === ErrorReason.RATE_LIMITED) return serverError.message;
  const fieldErrors = serverError.data?.zodError?.fieldErrors;
  const firstFieldError = fieldErrors && Object.values(fieldErrors).flat()[0];
  if (firstFieldError) return firstFieldError;
  if (serverError.data?.code === "INTERNAL_SERVER_ERROR" || !serverError.data) {
    return "Something went wrong on our side. Please try again.";
  }
  return serverError.message;
}
