import { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import { user } from "../../db/schema";
import { adminRevokeUserSessionsInput } from "../../shared/schemas";
import { EndReason } from "../../shared/session-events";
import { requestActor } from "../sessions/auth-calls";
import { endAllSessions } from "../sessions/end";
import { adminProcedure, router } from "../trpc/init";

/** What administrators can do to other users' sessions (ASVS 7.4.5). */
export const adminRouter = router({
  /** Ends every session of the user with this email; recorded as `admin`, by this administrator. */
  revokeUserSessions: adminProcedure
    .input(adminRevokeUserSessionsInput)
    .mutation(async ({ ctx, input }) => {
      const [target] = await ctx.db
        .select({ id: user.id })
        .from(user)
        .where(eq(user.email, input.email))
        .limit(1);
      if (!target) {
        throw new TRPCError({ code: "NOT_FOUND", message: `No user with email '${input.email}'` });
      }
      const ended = await endAllSessions(ctx.db, target.id, EndReason.ADMIN, requestActor(ctx));
      return { ended };
    }),
});
