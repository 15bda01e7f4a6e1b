import { TRPCError } from "@trpc/server";
import { adminRevokeUserSessionsInput } from "../../shared/schemas";
import {
  AdminCommandError,
  revokeAllSessions,
  revokeSessionsByEmail,
} from "../sessions/lifecycle/admin-commands";
import { adminProcedure, router } from "../trpc/init";
import { requestActor } from "./better-auth-calls";

/** What administrators can do to other users' sessions (ASVS 7.4.5); the CLI does the same. */
export const adminRouter = router({
  /** Ends every session of the user with this email; recorded as `admin`, by this administrator. */
  revokeUserSessions: adminProcedure
    .input(adminRevokeUserSessionsInput)
    .mutation(async ({ ctx, input }) => {
      try {
        const { sessionsEnded } = await revokeSessionsByEmail(
          ctx.sessions,
          input.email,
          requestActor(ctx),
        );
        return { ended: sessionsEnded };
      } catch (error) {
        if (error instanceof AdminCommandError) {
          throw new TRPCError({ code: "NOT_FOUND", message: error.message });
        }
        throw error;
      }
    }),

  /**
   * Ends every session of every user but this one (the administrator stays signed in here to
   * see the result); recorded as `admin`, by this administrator.
   */
  revokeAllSessions: adminProcedure.mutation(async ({ ctx }) => {
    const { sessionsEnded } = await revokeAllSessions(ctx.sessions, requestActor(ctx), {
      keepSessionId: ctx.session.id,
    });
    return { ended: sessionsEnded };
  }),
});
