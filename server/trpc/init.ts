/**
 * The only initTRPC. Feature routers see the procedure builders exported here and nothing else.
 */
import { initTRPC } from "@trpc/server";
import { and, eq, gt } from "drizzle-orm";
import { ZodError, z } from "zod";
import { isDatabaseUnavailable } from "../../db/errors";
import { session, user } from "../../db/schema";
import { ErrorReason, type InputIssues } from "../../shared/errors";
import type { Context } from "./context";
import {
  describeInvalidInput,
  ReasonedError,
  rethrowStoreUnavailable,
  sessionEndedError,
  storeUnavailableError,
} from "./errors";

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    // Stack traces never leave the server, whatever NODE_ENV says; they are logged instead.
    const { stack: _stack, ...data } = shape.data;
    const invalidInput =
      error.code === "BAD_REQUEST" && error.cause instanceof ZodError ? error.cause : null;
    return {
      ...shape,
      message:
        error.code === "INTERNAL_SERVER_ERROR"
          ? "Internal server error"
          : invalidInput
            ? describeInvalidInput(invalidInput)
            : shape.message,
      data: {
        ...data,
        reason: error instanceof ReasonedError ? error.reason : null,
        zodError: invalidInput ? (z.flattenError(invalidInput) as InputIssues) : null,
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Every procedure fails closed when the database is unreachable: 503 SERVICE_UNAVAILABLE with
 * reason STORE_UNAVAILABLE, never a 500, and nothing decided without the database.
 */
function failClosedWithoutStore<T extends { ok: boolean; error?: { cause?: unknown } }>(
  result: T,
): T {
  if (!result.ok && isDatabaseUnavailable(result.error?.cause)) {
    throw storeUnavailableError(result.error?.cause);
  }
  return result;
}

export const publicProcedure = t.procedure.use(async ({ next }) =>
  failClosedWithoutStore(await next()),
);

/**
 * A live session is required; after it `ctx.session` and `ctx.user` are non-null. Without one
 * the error says why the session ended, when the request still carried its cookie. It fails
 * closed like `publicProcedure`, in the same middleware rather than on top of it: every tRPC
 * middleware copies the whole context once more, and this one runs on nearly every request.
 */
export const protectedProcedure = t.procedure.use(async ({ ctx, next }) => {
  if (!ctx.session || !ctx.user) {
    throw sessionEndedError(await ctx.explainNoSession().catch(rethrowStoreUnavailable));
  }
  return failClosedWithoutStore(await next({ ctx: { session: ctx.session, user: ctx.user } }));
});

/**
 * A session signed in with the cookie, not a bearer JWT. An API client's JWT stands for a session
 * it cannot re-authenticate (re-authentication mints a cookie session), so it may not do what
 * needs a recent password: the same FORBIDDEN + SESSION_NOT_FRESH as a stale session, with a
 * message that says where to do it instead.
 */
export const cookieSessionProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (ctx.authMethod !== "cookie") {
    throw new ReasonedError(
      "FORBIDDEN",
      ErrorReason.SESSION_NOT_FRESH,
      "API tokens cannot do this: confirm your password in the app",
    );
  }
  return next();
});

/**
 * The session must have been authenticated (signed in or re-authenticated, both of which issue a
 * new session) less than the fresh window ago, with its cookie: a JWT is never fresh. Read from
 * the database, never the cookie cache.
 */
export const freshProcedure = cookieSessionProcedure.use(async ({ ctx, next }) => {
  const [row] = await ctx.db
    .select({ createdAt: session.createdAt })
    .from(session)
    .where(and(eq(session.id, ctx.session.id), gt(session.expiresAt, new Date())))
    .limit(1);
  if (!row) {
    throw new ReasonedError("UNAUTHORIZED", ErrorReason.SESSION_REQUIRED, "Sign in to continue");
  }
  const freshAgeMs = ctx.config.session.freshAgeSec * 1000;
  if (Date.now() - row.createdAt.getTime() >= freshAgeMs) {
    throw new ReasonedError(
      "FORBIDDEN",
      ErrorReason.SESSION_NOT_FRESH,
      "Confirm your password to continue",
    );
  }
  return next();
});

/**
 * Administrators only (`user.role = 'admin'`, read from the database, never from the cookie
 * cache), recently authenticated like any sensitive action.
 */
export const adminProcedure = freshProcedure.use(async ({ ctx, next }) => {
  const [row] = await ctx.db
    .select({ role: user.role })
    .from(user)
    .where(eq(user.id, ctx.user.id))
    .limit(1);
  if (row?.role !== "admin") {
    throw new ReasonedError(
      "FORBIDDEN",
      ErrorReason.ADMIN_REQUIRED,
      "Only administrators may do this",
    );
  }
  return next();
});
