/**
 * New-device sign-in alerts (NEW_DEVICE_ALERTS): a sign-in from a browser family, OS and network
 * (the binding's notion, ../sessions/authenticate/binding.ts) this account has not signed in
 * from before mails its address the device, the network and the time, with a "This wasn't me"
 * link that ends that one session without a sign-in. The first device of an account (its
 * sign-up, or its first sign-in after this feature arrived) is learned without an alert, and at
 * most ALERTS_PER_ACCOUNT go out an hour.
 */
import { and, eq, ne, sql } from "drizzle-orm";
import { knownDevice } from "../../db/schema";
import { linkUrl, newDeviceAlertMail } from "../mail/messages";
import { browserFamily, networkPrefix } from "../sessions/authenticate/binding";
import { describeDevice } from "../sessions/lifecycle/device-description";
import { issueLink, LINK_LIFETIME_SEC } from "./links";
import type { AccountMailContext } from "./mail-context";
import { consumeAlertQuota } from "./mail-limits";

export interface SignIn {
  userId: string;
  email: string;
  sessionId: string;
  ipAddress: string | null | undefined;
  userAgent: string | null | undefined;
  at: Date;
}

/** "Chrome/Linux 203.0.113.0/24": what makes a device the same one. */
export function deviceKey(signIn: Pick<SignIn, "ipAddress" | "userAgent">): string {
  return `${browserFamily(signIn.userAgent) ?? "?"} ${networkPrefix(signIn.ipAddress) ?? "?"}`;
}

/** Whether this sign-in is from a device the account has not used; the device is learned either way. */
async function learnDevice(ctx: AccountMailContext, signIn: SignIn): Promise<boolean> {
  const key = deviceKey(signIn);
  // One statement on the usual path (a known device): the upsert says whether it inserted.
  const [row] = await ctx.db
    .insert(knownDevice)
    .values({
      userId: signIn.userId,
      deviceKey: key,
      firstSeenAt: signIn.at,
      lastSeenAt: signIn.at,
    })
    .onConflictDoUpdate({
      target: [knownDevice.userId, knownDevice.deviceKey],
      set: { lastSeenAt: signIn.at },
    })
    .returning({ inserted: sql<boolean>`(xmax = 0)` });
  if (!row?.inserted) return false;
  // The account's first device is where it began, not a stranger.
  const [other] = await ctx.db
    .select({ key: knownDevice.deviceKey })
    .from(knownDevice)
    .where(and(eq(knownDevice.userId, signIn.userId), ne(knownDevice.deviceKey, key)))
    .limit(1);
  return other !== undefined;
}

/** "Firefox 132 on Linux" and "203.0.113.7 (network 203.0.113.0/24)", as mails name them. */
export function describeSignIn(signIn: { ipAddress?: string | null; userAgent?: string | null }) {
  const { browser, os } = describeDevice(signIn.userAgent ?? null);
  const device = [browser, os].filter(Boolean).join(" on ") || "An unknown browser";
  const network = signIn.ipAddress
    ? `${signIn.ipAddress} (network ${networkPrefix(signIn.ipAddress)})`
    : "unknown";
  return { device, network };
}

/** Called for every new sign-in (not re-authentication): learns the device, alerts when it is new. */
export async function noteSignIn(ctx: AccountMailContext, signIn: SignIn): Promise<void> {
  const isNew = await learnDevice(ctx, signIn);
  if (!isNew || !ctx.config.mail.newDeviceAlerts) return;
  if (!(await consumeAlertQuota(ctx, signIn.userId))) {
    ctx.log.info(
      { userId: signIn.userId },
      "New-device alert not sent: the hour's alerts are used up",
    );
    return;
  }
  const { device, network } = describeSignIn(signIn);
  const link = await issueLink(ctx.db, {
    purpose: "end_session",
    userId: signIn.userId,
    data: { sessionId: signIn.sessionId, device, network, at: signIn.at.toISOString() },
  });
  const url = linkUrl(ctx.mailer.baseUrl, "end_session", link.token);
  await ctx.mailer.send(
    newDeviceAlertMail(
      signIn.email,
      { device, network, at: signIn.at },
      url,
      LINK_LIFETIME_SEC.end_session,
    ),
  );
}
