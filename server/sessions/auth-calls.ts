/** Small bridges between procedures and Better Auth's server API. */
import { isAPIError } from "better-auth/api";
import { ErrorReason } from "../../shared/errors";
import type { Context } from "../trpc/context";
import { ReasonedError } from "../trpc/errors";
import { forwardSetCookies } from "./cookies";

/** Ends the session the request came with and clears its cookies (Better Auth's sign-out). */
export async function endCurrentSession(ctx: Pick<Context, "auth" | "headers" | "resHeaders">) {
  const result = await ctx.auth.api.signOut({ headers: ctx.headers, returnHeaders: true });
  forwardSetCookies(result.headers, ctx.resHeaders);
}

/** Turns Better Auth's "wrong password" answers into UNAUTHORIZED + INVALID_PASSWORD; rethrows the rest. */
export function refuseWrongPassword(error: unknown): never {
  if (
    isAPIError(error) &&
    (error.status === "UNAUTHORIZED" ||
      error.body?.code === "INVALID_PASSWORD" ||
      error.body?.code === "INVALID_EMAIL_OR_PASSWORD")
  ) {
    throw new ReasonedError("UNAUTHORIZED", ErrorReason.INVALID_PASSWORD, "Wrong password");
  }
  throw error;
}
