/**
 * The development mailbox: with no SMTP_URL outside production, mail is kept in the outbox and
 * listed here (the SPA's /dev/mailbox), so a reset link can be followed after `npm start` with
 * no mail server. Anywhere else it is NOT_FOUND: it shows every account's links.
 */
import { TRPCError } from "@trpc/server";
import { listKeptMail } from "../mail/outbox";
import { publicProcedure, router } from "../trpc/init";

export const devMailboxRouter = router({
  list: publicProcedure.query(async ({ ctx }) => {
    if (!ctx.config.mail.devMailbox) {
      throw new TRPCError({ code: "NOT_FOUND", message: "There is no development mailbox here" });
    }
    return listKeptMail(ctx.db, 50);
  }),
});
