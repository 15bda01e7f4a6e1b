/**
 * After a password change, the account's address is told where it came from, with a way to
 * reset the password: a session thief who changes the password is not silent. (A reset by mail
 * needs no notice: it came through that inbox, and it signs every device out.)
 */
import { passwordChangedNoticeMail } from "../mail/messages";
import type { AccountMailContext } from "./mail-context";
import { describeSignIn } from "./new-device-alert";

export async function sendPasswordChangedNotice(
  ctx: AccountMailContext,
  owner: { email: string },
  request: { ipAddress?: string | null; userAgent?: string | null },
): Promise<void> {
  const { device, network } = describeSignIn(request);
  const resetUrl = `${ctx.mailer.baseUrl}/forgot-password`;
  await ctx.mailer.send(
    passwordChangedNoticeMail(owner.email, { device, network, at: new Date() }, resetUrl),
  );
}
