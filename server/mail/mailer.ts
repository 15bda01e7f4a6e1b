/**
 * What the rest of the server sends mail with: `mailer.send(mail)` queues it (one insert) and
 * wakes this instance's delivery worker. Made once by the composition root.
 */
import type { Database } from "../../db/client";
import type { MailConfig } from "../env";
import type { MailDelivery } from "./delivery";
import { enqueueMail, type OutgoingMail } from "./outbox";

export interface Mailer {
  /** Queues the mail; never waits for an SMTP server. */
  send(mail: OutgoingMail): Promise<void>;
  /** The public URL links in mails point to (BASE_URL). */
  readonly baseUrl: string;
}

export function createMailer(
  db: Database,
  config: { mail: MailConfig; baseUrl: string },
  delivery: MailDelivery | null,
): Mailer {
  const keep = config.mail.smtpUrl === null;
  return {
    baseUrl: config.baseUrl,
    async send(mail) {
      await enqueueMail(db, mail, { keep });
      delivery?.kick();
    },
  };
}
