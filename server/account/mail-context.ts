/** What the account's mail flows (reset, verification, email change, new-device alerts) work with. */
import type { Database } from "../../db/client";
import type { MailConfig, RateLimitPolicy } from "../env";
import type { Mailer } from "../mail/mailer";
import type { SessionStore } from "../sessions/lifecycle/session-store";

export interface MailFlowLog {
  info(fields: object, line: string): void;
  error(fields: object, line: string): void;
}

export interface AccountMailContext {
  db: Database;
  mailer: Mailer;
  sessions: SessionStore;
  config: { mail: MailConfig; rateLimit: RateLimitPolicy };
  /** Better Auth's password hash (scrypt), so its sign-in verifies what a reset stores. */
  hashPassword(password: string): Promise<string>;
  log: MailFlowLog;
  /**
   * Runs `work` after the answer is sent, so that the answer's timing cannot tell whether the
   * address has an account; failures are logged. `settle()` waits for it (shutdown, tests).
   */
  later(work: () => Promise<void>): void;
}

/** Runs work after the answer, remembering it so that shutdown can wait for it. */
export function createLaterQueue(log: MailFlowLog) {
  const pending = new Set<Promise<void>>();
  return {
    later(work: () => Promise<void>) {
      // Started on the next turn of the event loop: the answer is written first.
      const task: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(work)
        .catch((error: unknown) => log.error({ err: error }, "Account mail task failed"))
        .finally(() => pending.delete(task));
      pending.add(task);
    },
    async settle() {
      while (pending.size > 0) await Promise.all(pending);
    },
  };
}
