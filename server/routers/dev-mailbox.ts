/**
 * The development mailbox: with no SMTP_URL outside production, mail is kept in the outbox and
 * listed here (the SPA's /dev/mailbox), so a reset link can be followed after `npm start` with
 * no mail server. Anywhere else it is NOT_FOUND: it shows every account's links. Even in
 * development it answers only requests from this machine (a server started with HOST=0.0.0.0
 * must not hand its users' reset links to the network).
 */
import { TRPCError } from "@trpc/server";
import { listKeptMail } from "../mail/outbox";
import { requestOrigin } from "../sessions/lifecycle/request-origin";
import { publicProcedure, router } from "../trpc/init";

export const devMailboxRouter = router({
  list: publicProcedure.query(async ({ ctx }) => {
    const { ipAddress } = requestOrigin(ctx.headers);
    if (
      !ctx.config.mail.devMailbox ||
      !isLoopback(ipAddress) ||
      relayedFromElsewhere(ctx.headers)
    ) {
      throw new TRPCError({ code: "NOT_FOUND", message: "There is no development mailbox here" });
    }
    return listKeptMail(ctx.db, 50);
  }),
});

function isLoopback(address: string | null | undefined): boolean {
  if (!address) return false;
  const ip = address.replace(/^::ffff:/, "");
  return ip === "::1" || /^127\./.test(ip);
}

/**
 * A proxy on this machine (Caddy, ngrok, cloudflared) connects from loopback whatever client it
 * relays, and without TRUSTED_PROXIES its X-Forwarded-For is not believed for the client IP: a
 * forwarded address that is not loopback says the request came from elsewhere all the same.
 */
function relayedFromElsewhere(headers: Headers): boolean {
  const forwarded = [headers.get("x-forwarded-for"), headers.get("x-real-ip")]
    .filter((value): value is string => value !== null)
    .flatMap((value) => value.split(","))
    .map((hop) => hop.trim());
  return forwarded.some((hop) => !isLoopback(hop));
}
