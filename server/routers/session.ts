import { TRPCError } from "@trpc/server";
import { ErrorReason } from "../../shared/errors";
import { activityInput, reauthenticateInput, revokeSessionInput } from "../../shared/schemas";
import { EndReason } from "../../shared/session-events";
import { listLiveSessions } from "../sessions/lifecycle/device-list";
import { listActivity } from "../sessions/lifecycle/events";
import { sessionEndedError } from "../trpc/errors";
import {
  cookieSessionProcedure,
  freshProcedure,
  protectedProcedure,
  publicProcedure,
  router,
} from "../trpc/init";
import { withPasswordAttemptLimit } from "./attempt-limits";
import { endCurrentSession, replaceSessionWithPassword, requestActor } from "./better-auth-calls";

export const sessionRouter = router({
  /**
   * The signed-in user and their session, or null when signed out. A request that still carries
   * the cookie of a session that was ended for it (evicted, revoked, expired, binding) gets
   * UNAUTHORIZED with that reason instead, so the client can tell its user why.
   */
  current: publicProcedure.query(async ({ ctx }) => {
    if (!ctx.session || !ctx.user) {
      const reason = await ctx.explainNoSession();
      if (reason !== ErrorReason.SESSION_REQUIRED) throw sessionEndedError(reason);
      return null;
    }
    const createdAt = new Date(ctx.session.createdAt);
    const { freshAgeSec, absoluteLifetimeSec } = ctx.config.session;
    return {
      user: {
        id: ctx.user.id,
        name: ctx.user.name,
        email: ctx.user.email,
        emailVerified: ctx.user.emailVerified,
        /** off: addresses are never verified (show no notice); optional; required. */
        emailVerification: ctx.config.mail.emailVerification,
        createdAt: new Date(ctx.user.createdAt).toISOString(),
      },
      session: {
        id: ctx.session.id,
        createdAt: createdAt.toISOString(),
        expiresAt: new Date(ctx.session.expiresAt).toISOString(),
        /** Until then sensitive actions need no password confirmation. */
        freshUntil: new Date(createdAt.getTime() + freshAgeSec * 1000).toISOString(),
        /** The absolute lifetime: the session ends then however active it is. */
        endsAtLatest: new Date(createdAt.getTime() + absoluteLifetimeSec * 1000).toISOString(),
      },
    };
  }),

  /** Every live session (device) of the user, the current one marked. */
  list: protectedProcedure.query(({ ctx }) =>
    listLiveSessions(ctx.db, ctx.user.id, ctx.session.id),
  ),

  /** The user's own session events (sign-ins, refreshes, ends and why), newest first, paginated. */
  activity: protectedProcedure.input(activityInput).query(({ ctx, input }) =>
    listActivity(ctx.db, {
      userId: ctx.user.id,
      currentSessionId: ctx.session.id,
      limit: input.limit,
      cursor: input.cursor ?? null,
    }),
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
    const ended = await ctx.sessions.endById(
      ctx.user.id,
      input.id,
      EndReason.OTHER_DEVICE,
      requestActor(ctx),
    );
    if (!ended) {
      throw new TRPCError({ code: "NOT_FOUND", message: `No session '${input.id}' for this user` });
    }
    return { ended: 1, signedOut: false };
  }),

  /** Ends every session of the user but this one. */
  revokeOthers: freshProcedure.mutation(async ({ ctx }) => {
    const ended = await ctx.sessions.endOthers(
      ctx.user.id,
      ctx.session.id,
      EndReason.OTHER_DEVICE,
      requestActor(ctx),
    );
    return { ended, signedOut: false };
  }),

  /** Ends every session of the user, this one included ("sign out everywhere"). */
  revokeAll: freshProcedure.mutation(async ({ ctx }) => {
    const ended = await ctx.sessions.endAll(ctx.user.id, EndReason.ALL, requestActor(ctx));
    await endCurrentSession(ctx);
    return { ended, signedOut: true };
  }),

  /**
   * Confirms the password and replaces this session with a NEW one (new token, fresh from now);
   * the old session ends (ASVS 7.2.4). A wrong password changes nothing. Cookie sessions only:
   * it would hand an API client (JWT) a cookie session.
   */
  reauthenticate: cookieSessionProcedure
    .input(reauthenticateInput)
    .mutation(async ({ ctx, input }) => {
      // Limited per user (a wrong password is a guess, whatever IP it comes from).
      await withPasswordAttemptLimit(ctx, () => replaceSessionWithPassword(ctx, input.password));
      return { reauthenticated: true };
    }),
});
