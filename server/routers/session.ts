import { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import { user } from "../../db/schema";
import { ErrorReason } from "../../shared/errors";
import { reauthenticateInput, revokeSessionInput } from "../../shared/schemas";
import { endCurrentSession, refuseWrongPassword } from "../sessions/auth-calls";
import { forwardSetCookies } from "../sessions/cookies";
import {
  endAllSessions,
  endOtherSessions,
  endSessionById,
  listLiveSessions,
} from "../sessions/sessions";
import { ReasonedError } from "../trpc/errors";
import { freshProcedure, protectedProcedure, publicProcedure, router } from "../trpc/init";

export const sessionRouter = router({
  /** The signed-in user and their session, or null. */
  current: publicProcedure.query(({ ctx }) => {
    if (!ctx.session || !ctx.user) return null;
    const createdAt = new Date(ctx.session.createdAt);
    return {
      user: {
        id: ctx.user.id,
        name: ctx.user.name,
        email: ctx.user.email,
        emailVerified: ctx.user.emailVerified,
        createdAt: new Date(ctx.user.createdAt).toISOString(),
      },
      session: {
        id: ctx.session.id,
        createdAt: createdAt.toISOString(),
        expiresAt: new Date(ctx.session.expiresAt).toISOString(),
        /** Until then sensitive actions need no password confirmation. */
        freshUntil: new Date(
          createdAt.getTime() + ctx.config.session.freshAgeSec * 1000,
        ).toISOString(),
      },
    };
  }),

  /** Every live session (device) of the user, the current one marked. */
  list: protectedProcedure.query(({ ctx }) =>
    listLiveSessions(ctx.db, ctx.user.id, ctx.session.id),
  ),

  /**
   * Ends one of the user's own sessions (ASVS 7.5.2: after recent authentication). Ending the
   * current one signs this device out. An unknown or foreign id is NOT_FOUND and changes nothing.
   */
  revoke: freshProcedure.input(revokeSessionInput).mutation(async ({ ctx, input }) => {
    if (input.id === ctx.session.id) {
      await endCurrentSession(ctx);
      return { ended: 1, signedOut: true };
    }
    if (!(await endSessionById(ctx.db, ctx.user.id, input.id))) {
      throw new TRPCError({ code: "NOT_FOUND", message: `No session '${input.id}' for this user` });
    }
    return { ended: 1, signedOut: false };
  }),

  /** Ends every session of the user but this one. */
  revokeOthers: freshProcedure.mutation(async ({ ctx }) => {
    const ended = await endOtherSessions(ctx.db, ctx.user.id, ctx.session.id);
    return { ended, signedOut: false };
  }),

  /** Ends every session of the user, this one included ("sign out everywhere"). */
  revokeAll: freshProcedure.mutation(async ({ ctx }) => {
    const ended = await endAllSessions(ctx.db, ctx.user.id);
    await endCurrentSession(ctx);
    return { ended, signedOut: true };
  }),

  /**
   * Confirms the password and replaces this session with a NEW one (new token, fresh from now);
   * the old session ends (ASVS 7.2.4). A wrong password changes nothing.
   */
  reauthenticate: protectedProcedure.input(reauthenticateInput).mutation(async ({ ctx, input }) => {
    // The email comes from the database: the cookie cache may hold one changed minutes ago.
    const [owner] = await ctx.db
      .select({ email: user.email })
      .from(user)
      .where(eq(user.id, ctx.user.id));
    if (!owner) {
      throw new ReasonedError("UNAUTHORIZED", ErrorReason.SESSION_REQUIRED, "Sign in to continue");
    }
    const signedIn = await ctx.auth.api
      .signInEmail({
        body: { email: owner.email, password: input.password },
        headers: ctx.headers,
        returnHeaders: true,
      })
      .catch(refuseWrongPassword);
    forwardSetCookies(signedIn.headers, ctx.resHeaders);
    // The sign-in hook already ended the old session when its cookie came along; this makes
    // sure of it whatever carried the request.
    await endSessionById(ctx.db, ctx.user.id, ctx.session.id);
    return { reauthenticated: true };
  }),
});
