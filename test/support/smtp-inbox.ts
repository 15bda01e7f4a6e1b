/**
 * A real SMTP server for tests (smtp-server), whose mails are parsed with mailparser: the app
 * sends through nodemailer over TCP exactly as it would to a provider. `failNext(n)` makes the
 * next n deliveries fail with a 451 (temporary) answer, for the worker's retries.
 */
import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  headers: Map<string, unknown>;
}

export interface SmtpInbox {
  /** The SMTP_URL that reaches it. */
  url: string;
  received: ReceivedMail[];
  /** Resolves with the first mail (from now on or already received) that matches, or throws after `timeoutMs`. */
  waitFor(match: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** The next `count` deliveries are refused with 451. */
  failNext(count: number): void;
  /** Deliveries refused so far. */
  refused(): number;
  close(): Promise<void>;
}

export async function startSmtpInbox(): Promise<SmtpInbox> {
  const received: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  let toFail = 0;
  let refusedCount = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, _session, callback) {
      if (toFail > 0) {
        toFail -= 1;
        refusedCount += 1;
        stream.resume();
        stream.on("end", () => {
          const error = Object.assign(new Error("Try again later"), { responseCode: 451 });
          callback(error);
        });
        return;
      }
      simpleParser(stream)
        .then((parsed) => {
          const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
          received.push({
            to: to?.value[0]?.address ?? "",
            from: parsed.from?.value[0]?.address ?? "",
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
            headers: parsed.headers as Map<string, unknown>,
          });
          for (const wake of waiters) wake();
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    waitFor(match, timeoutMs = 10_000) {
      const found = received.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const check = () => {
          const mail = received.find(match);
          if (!mail) return;
          cleanup();
          resolve(mail);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`No matching mail within ${timeoutMs} ms (got ${received.length})`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
      });
    },
    failNext(count) {
      toFail = count;
    },
    refused: () => refusedCount,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The token of the first link in a mail to `page` (`/reset-password#token=…`). */
export function linkToken(mail: ReceivedMail, page: string): string {
  const match = mail.text.match(
    new RegExp(`${page.replace(/[/]/g, "\\/")}#token=([A-Za-z0-9_-]{43})`),
  );
  if (!match?.[1]) throw new Error(`No ${page} link in the mail "${mail.subject}"`);
  return match[1];
}

/** The first link in a mail to `page`, whole. */
export function linkUrl(mail: ReceivedMail, page: string): string {
  const match = mail.text.match(
    new RegExp(`https?://\\S+${page.replace(/[/]/g, "\\/")}#token=[A-Za-z0-9_-]{43}`),
  );
  if (!match?.[0]) throw new Error(`No ${page} link in the mail "${mail.subject}"`);
  return match[0];
}
