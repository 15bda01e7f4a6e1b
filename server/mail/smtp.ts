/** Sending through an SMTP server (SMTP_URL) with nodemailer. */
import { createTransport } from "nodemailer";
import type { QueuedMail } from "./outbox";

export interface SmtpSender {
  send(mail: QueuedMail): Promise<void>;
  close(): void;
}

/**
 * One transport per process. Short timeouts: a stalled server fails the attempt, which is retried
 * later, instead of holding the worker (and the mail's lease) for minutes.
 */
export function createSmtpSender(smtpUrl: string, from: string): SmtpSender {
  const transport = createTransport(
    { url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 },
    { from },
  );
  return {
    async send(mail) {
      await transport.sendMail({
        to: mail.recipient,
        subject: mail.subject,
        text: mail.textBody ?? "",
        html: mail.htmlBody ?? undefined,
        // Links in these mails are single-use: ask the receiving side not to rewrite or track them.
        headers: { "Auto-Submitted": "auto-generated", "X-Mail-Kind": mail.kind },
      });
    },
    close: () => transport.close(),
  };
}
