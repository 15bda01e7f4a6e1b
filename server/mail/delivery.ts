/**
 * The delivery worker: sends the outbox's pending mails, each once across every instance (a
 * lease taken with `for update skip locked`, ./outbox.ts), retrying a failure with exponential
 * backoff. A mail that fails every attempt is marked `failed` and logged (id and kind, never its
 * content or links): never dropped silently.
 *
 * Not the cleanup's advisory lock: that lock lives as long as a transaction, and a transaction
 * held open across SMTP round trips would pin a pooled connection for seconds. A lease is one
 * short statement, works through a transaction pooler, and lets two instances share the load.
 */
import type { Database } from "../../db/client";
import { scrubText } from "../logger";
import { claimDueMails, markAttemptFailed, markSent, type QueuedMail } from "./outbox";

/** Attempts before a mail is given up: spaced 30 s, 1, 2, 4, 8, 16, 32 min, about an hour in all. */
export const MAX_DELIVERY_ATTEMPTS = 8;
const FIRST_RETRY_SEC = 30;
const MAX_RETRY_SEC = 60 * 60;

/** Seconds before the next attempt, after `attempts` failed ones. */
export function retryDelaySec(attempts: number): number {
  return Math.min(MAX_RETRY_SEC, FIRST_RETRY_SEC * 2 ** Math.max(0, attempts - 1));
}

export interface DeliveryLog {
  info(fields: object, line: string): void;
  warn(fields: object, line: string): void;
  error(fields: object, line: string): void;
}

export interface DeliveryOptions {
  db: Database;
  /** Hands one mail to the SMTP server; throws if it is not accepted. */
  send(mail: QueuedMail): Promise<void>;
  log: DeliveryLog;
  /** How often due mails are looked for (retries, other instances' mails). Default 5 s. */
  pollMs?: number;
  /** How long a claimed mail is this worker's. Default 120 s. */
  leaseSec?: number;
  /**
   * A send still unanswered after this is a failed attempt (retried on the backoff), so no send
   * outlives its lease: nodemailer's timeouts are idle ones, and a server that drips a byte every
   * few seconds would otherwise hold the mail until another instance takes it and sends it too.
   * Default: half the lease.
   */
  sendTimeoutMs?: number;
  /** Mails per claim. Default 10. */
  batchSize?: number;
}

export interface MailDelivery {
  /** Look for due mails now (a request just queued one). */
  kick(): void;
  /** Sends what is due now, and resolves when done (tests, shutdown). */
  runOnce(): Promise<void>;
  /** No further runs; resolves when the run in progress ends. */
  stop(): Promise<void>;
}

export function startMailDelivery(options: DeliveryOptions): MailDelivery {
  const { db, send, log } = options;
  const pollMs = options.pollMs ?? 5000;
  const leaseSec = options.leaseSec ?? 120;
  const batchSize = options.batchSize ?? 10;
  const sendTimeoutMs = options.sendTimeoutMs ?? (leaseSec * 1000) / 2;
  if (sendTimeoutMs >= leaseSec * 1000) {
    throw new RangeError("sendTimeoutMs must be shorter than the lease");
  }
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;

  async function deliver(mail: QueuedMail): Promise<void> {
    try {
      await withDeadline(send(mail), sendTimeoutMs);
      await markSent(db, mail.id, new Date());
      log.info({ mailId: mail.id, kind: mail.kind, attempts: mail.attempts }, "Mail sent");
    } catch (error) {
      const reason = scrubText(error instanceof Error ? error.message : String(error)).slice(
        0,
        500,
      );
      const giveUp = mail.attempts >= MAX_DELIVERY_ATTEMPTS;
      const retryAt = giveUp ? null : new Date(Date.now() + retryDelaySec(mail.attempts) * 1000);
      await markAttemptFailed(db, mail.id, reason, retryAt);
      const fields = { mailId: mail.id, kind: mail.kind, attempts: mail.attempts, reason };
      if (giveUp) log.error(fields, "Mail delivery failed for good: marked failed");
      else
        log.warn(
          { ...fields, retryAt: retryAt?.toISOString() },
          "Mail delivery failed: will retry",
        );
    }
  }

  async function drain(): Promise<void> {
    for (;;) {
      const due = await claimDueMails(db, { limit: batchSize, leaseSec, now: new Date() });
      for (const mail of due) await deliver(mail);
      if (due.length < batchSize || stopped) return;
    }
  }

  function runOnce(): Promise<void> {
    if (running) {
      // A kick during a run: one more pass after it, for what was queued meanwhile.
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await drain();
        } while (again && !stopped);
      } catch (error) {
        log.error({ err: error }, "Mail delivery run failed");
      } finally {
        running = null;
      }
    })();
    return running;
  }

  const timer = setInterval(() => void runOnce(), pollMs);
  timer.unref();
  return {
    kick: () => {
      if (!stopped) void runOnce();
    },
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

/** `work`, or a rejection once `ms` have passed without it settling. */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`No answer from the SMTP server within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
