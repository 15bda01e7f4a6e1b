/**
 * Better Auth answers sign-up and sign-in failures with an error code; this turns them into
 * messages, attached to the field they are about when there is one.
 */

import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../../../shared/api-limits";
import { ErrorReason } from "../../../shared/errors";
import { isRefusedOrigin, refusedOriginMessage } from "../../lib/refused-origin";

export type AuthField = "name" | "email" | "password";
export type AuthFailure = {
  field: AuthField | null;
  message: string;
  /** Sign-in refused until the address is verified (EMAIL_VERIFICATION=required): offer a new link. */
  unverified?: boolean;
};

export interface BetterAuthError {
  code?: string | undefined;
  message?: string | undefined;
  status: number;
  /** Our CSRF guard refuses /api/auth requests in tRPC's error shape, its reason in `data`. */
  error?: { data?: { reason?: string | null | undefined } | undefined } | undefined;
}

export function describeAuthError(error: BetterAuthError): AuthFailure {
  if (isRefusedOrigin(error.code ?? error.error?.data?.reason)) {
    return { field: null, message: refusedOriginMessage() };
  }
  switch (error.code) {
    case "INVALID_EMAIL_OR_PASSWORD":
      return { field: null, message: "Wrong email or password." };
    case ErrorReason.EMAIL_TAKEN:
      return {
        field: "email",
        message: "An account with this email already exists. Sign in instead.",
      };
    case "PASSWORD_TOO_SHORT":
      return { field: "password", message: `Use at least ${PASSWORD_MIN_LENGTH} characters.` };
    case "PASSWORD_TOO_LONG":
      return { field: "password", message: `Use at most ${PASSWORD_MAX_LENGTH} characters.` };
    case "INVALID_EMAIL":
      return { field: "email", message: "Enter a valid email address." };
    // EMAIL_VERIFICATION=required: the password was right, the address is not verified yet.
    case ErrorReason.EMAIL_NOT_VERIFIED:
      return {
        field: null,
        message: "Verify your email address first: open the link we sent to it when you signed up.",
        unverified: true,
      };
    // Policy `deny`: the account is signed in on as many devices as allowed.
    case ErrorReason.SESSION_LIMIT_REACHED:
      return {
        field: null,
        message:
          "This account is already signed in on the most devices allowed. Sign out on one of them, then try again.",
      };
  }
  // Rate limited: the server's message says how long to wait ("Try again in N seconds." or "… N minutes.").
  if (error.code === "TOO_MANY_REQUESTS" || error.status === 429) {
    const message = error.message?.startsWith("Too many attempts")
      ? error.message
      : "Too many attempts. Wait a minute and try again.";
    return { field: null, message };
  }
  if (error.status >= 500 || error.status === 0) {
    return { field: null, message: "Something went wrong. Please try again." };
  }
  return { field: null, message: error.message || "Something went wrong. Please try again." };
}
