/**
 * The delivery worker (server/mail/delivery.ts) against a real SMTP server (test/support/
 * smtp-inbox.ts) and a real database: a mail is sent once and its bodies erased; a refused
 * attempt is retried on the backoff schedule (fake Date, a millisecond either side of each retry);
 * after the last attempt the mail is `failed` and logged by id and kind, never by content; a
 * lease held by a worker that died passes to another when it ends; two workers, and two app
 * instances, on one database send each mail exactly once.
 */
import { randomBytes } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { DatabaseHandle } from "../../db/client";
import { mailOutbox } from "../../db/schema";
import {
  type DeliveryLog,
  MAX_DELIVERY_ATTEMPTS,
  type MailDelivery,
  retryDelaySec,
  startMailDelivery,
} from "../../server/mail/delivery";
import { linkUrl, passwordResetMail } from "../../server/mail/messages";
import { claimDueMails, enqueueMail, type OutgoingMail } from "../../server/mail/outbox";
import { createSmtpSender, type SmtpSender } from "../../server/mail/smtp";
import { startTestInstance } from "../support/app";
import { openTestDatabase } from "../support/database";
import { newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useSmtpInbox, withSmtp } from "../support/fixtures";
import { HttpClient } from "../support/http-client";
import { waitFor } from "../support/wait";

const T0 = new Date("2026-06-01T12:00:00.000Z").getTime();
const FROM = "Typed Sessions <no-reply@example.test>";

interface LoggedLine {
  level: "info" | "warn" | "error";
  fields: Record<string, unknown>;
  line: string;
}

function capturingLog(): DeliveryLog & { lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const at = (level: LoggedLine["level"]) => (fields: object, line: string) => {
    lines.push({ level, fields: fields as Record<string, unknown>, line });
  };
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

let mailCounter = 0;
/** A reset mail as the app writes it, with a link token of its own. */
function resetMail(): { mail: OutgoingMail; token: string } {
  mailCounter += 1;
  const token = randomBytes(32).toString("base64url");
  const url = linkUrl("https://app.example.test", "reset_password", token);
  return { mail: passwordResetMail(`reader-${mailCounter}@example.com`, url, 3600), token };
}

describe.each(databaseKinds)("mail delivery on %s", (kind) => {
  const inbox = useSmtpInbox();
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  const running: Array<{ delivery: MailDelivery; smtp: SmtpSender }> = [];
  afterEach(async () => {
    vi.useRealTimers();
    for (const { delivery, smtp } of running.splice(0)) {
      await delivery.stop();
      smtp.close();
    }
    inbox.failNext(0);
    await database.db.delete(mailOutbox);
  });

  /** A worker that runs only when the test says (`runOnce`): no poll fires during a test. */
  function worker(log = capturingLog()) {
    const smtp = createSmtpSender(inbox.url, FROM);
    const delivery = startMailDelivery({
      db: database.db,
      send: smtp.send,
      log,
      pollMs: 60 * 60 * 1000,
    });
    running.push({ delivery, smtp });
    return { delivery, log };
  }

  async function rowOf(id: number) {
    const [row] = await database.db.select().from(mailOutbox).where(eq(mailOutbox.id, id));
    if (!row) throw new Error(`No mail ${id}`);
    return row;
  }

  const receivedBy = (to: string) => inbox.received.filter((mail) => mail.to === to);

  it("waits 30 s after the first failure, doubling each time, at most an hour", () => {
    expect(Array.from({ length: MAX_DELIVERY_ATTEMPTS }, (_, i) => retryDelaySec(i + 1))).toEqual([
      30, 60, 120, 240, 480, 960, 1920, 3600,
    ]);
    expect(retryDelaySec(20)).toBe(3600);
  });

  it("sends a due mail once, with its kind in a header, then erases its bodies", async () => {
    const { mail, token } = resetMail();
    const id = await enqueueMail(database.db, mail, { keep: false });
    const { delivery, log } = worker();
    await delivery.runOnce();
    await delivery.runOnce();

    const received = receivedBy(mail.to);
    expect(received).toHaveLength(1);
    expect(received[0]?.subject).toBe(mail.subject);
    expect(received[0]?.from).toBe("no-reply@example.test");
    expect(received[0]?.text).toContain(`/reset-password#token=${token}`);
    expect(received[0]?.html).toContain(`/reset-password#token=${token}`);
    expect(received[0]?.headers.get("x-mail-kind")).toBe("password_reset");
    expect(received[0]?.headers.get("auto-submitted")).toBe("auto-generated");

    const row = await rowOf(id);
    expect(row).toMatchObject({
      status: "sent",
      attempts: 1,
      textBody: null,
      htmlBody: null,
      leasedUntil: null,
      lastError: null,
    });
    expect(row.sentAt).toBeInstanceOf(Date);
    expect(JSON.stringify(row)).not.toContain(token);
    expect(log.lines).toEqual([
      {
        level: "info",
        fields: { mailId: id, kind: "password_reset", attempts: 1 },
        line: "Mail sent",
      },
    ]);
  });

  it("retries a refused mail 30 s later, then 60 s after that, and delivers it on the third attempt", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0);
    const { mail } = resetMail();
    const id = await enqueueMail(database.db, mail, { keep: false });
    const { delivery, log } = worker();
    inbox.failNext(2);
    const refusedBefore = inbox.refused();

    await delivery.runOnce();
    expect(inbox.refused() - refusedBefore).toBe(1);
    const first = await rowOf(id);
    expect(first).toMatchObject({ status: "pending", attempts: 1, leasedUntil: null });
    expect(first.nextAttemptAt.getTime()).toBe(T0 + 30_000);
    expect(first.lastError).toMatch(/451/);
    expect(log.lines.at(-1)).toMatchObject({
      level: "warn",
      fields: {
        mailId: id,
        kind: "password_reset",
        attempts: 1,
        retryAt: new Date(T0 + 30_000).toISOString(),
      },
    });

    vi.setSystemTime(T0 + 30_000 - 1);
    await delivery.runOnce();
    expect(inbox.refused() - refusedBefore).toBe(1);
    expect((await rowOf(id)).attempts).toBe(1);

    vi.setSystemTime(T0 + 30_000);
    await delivery.runOnce();
    expect(inbox.refused() - refusedBefore).toBe(2);
    expect((await rowOf(id)).nextAttemptAt.getTime()).toBe(T0 + 30_000 + 60_000);

    vi.setSystemTime(T0 + 90_000 - 1);
    await delivery.runOnce();
    expect(receivedBy(mail.to)).toHaveLength(0);

    vi.setSystemTime(T0 + 90_000);
    await delivery.runOnce();
    expect(receivedBy(mail.to)).toHaveLength(1);
    expect(await rowOf(id)).toMatchObject({ status: "sent", attempts: 3, lastError: null });
  });

  it(`marks a mail failed after ${MAX_DELIVERY_ATTEMPTS} refused attempts and logs its id and kind, never its content`, async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0);
    const { mail, token } = resetMail();
    const id = await enqueueMail(database.db, mail, { keep: false });
    const { delivery, log } = worker();
    inbox.failNext(MAX_DELIVERY_ATTEMPTS);

    let elapsedMs = 0;
    for (let attempt = 1; attempt <= MAX_DELIVERY_ATTEMPTS; attempt += 1) {
      await delivery.runOnce();
      const row = await rowOf(id);
      expect(row.attempts).toBe(attempt);
      if (attempt < MAX_DELIVERY_ATTEMPTS) {
        expect(row.status).toBe("pending");
        elapsedMs += retryDelaySec(attempt) * 1000;
        expect(row.nextAttemptAt.getTime()).toBe(T0 + elapsedMs);
        vi.setSystemTime(T0 + elapsedMs);
      }
    }
    const failed = await rowOf(id);
    expect(failed.status).toBe("failed");
    expect(failed.lastError).toMatch(/451/);
    // About an hour of trying in all.
    expect(elapsedMs / 1000).toBe(30 + 60 + 120 + 240 + 480 + 960 + 1920);

    const errors = log.lines.filter((entry) => entry.level === "error");
    expect(errors).toEqual([
      {
        level: "error",
        fields: {
          mailId: id,
          kind: "password_reset",
          attempts: MAX_DELIVERY_ATTEMPTS,
          reason: failed.lastError,
        },
        line: "Mail delivery failed for good: marked failed",
      },
    ]);
    expect(log.lines.filter((entry) => entry.level === "warn")).toHaveLength(
      MAX_DELIVERY_ATTEMPTS - 1,
    );
    const logged = JSON.stringify(log.lines);
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(mail.to);
    expect(logged).not.toContain("Choose a new password");

    // Given up for good: a server that would now accept it is never sent it.
    vi.setSystemTime(T0 + 24 * 60 * 60 * 1000);
    await delivery.runOnce();
    expect(receivedBy(mail.to)).toHaveLength(0);
    expect((await rowOf(id)).attempts).toBe(MAX_DELIVERY_ATTEMPTS);
  });

  it("a send that never finishes is a failed attempt at its deadline, well inside the lease, and retried", async () => {
    const { mail } = resetMail();
    const id = await enqueueMail(database.db, mail, { keep: false });
    const log = capturingLog();
    // An SMTP server that keeps the connection alive without ever answering the data.
    const delivery = startMailDelivery({
      db: database.db,
      send: () => new Promise<void>(() => {}),
      log,
      pollMs: 60_000,
      leaseSec: 120,
      sendTimeoutMs: 200,
    });
    running.push({ delivery, smtp: { send: async () => {}, close: () => {} } });
    const started = Date.now();
    await delivery.runOnce();
    expect(Date.now() - started).toBeLessThan(5_000);
    const [row] = await database.db.select().from(mailOutbox).where(eq(mailOutbox.id, id));
    expect(row?.status).toBe("pending");
    expect(row?.attempts).toBe(1);
    expect(row?.leasedUntil).toBeNull();
    expect(row?.lastError).toMatch(/No answer from the SMTP server within 200 ms/);
    expect(log.lines.map((line) => line.level)).toEqual(["warn"]);
    expect(() =>
      startMailDelivery({
        db: database.db,
        send: async () => {},
        log,
        leaseSec: 1,
        sendTimeoutMs: 1000,
      }),
    ).toThrow(RangeError);
  });

  it("a mail claimed by a worker that died goes to another worker when its lease ends, not before", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0);
    const { mail } = resetMail();
    const id = await enqueueMail(database.db, mail, { keep: false });
    // The dead worker's claim: leased for 120 s, never sent nor released.
    expect(
      (await claimDueMails(database.db, { limit: 10, leaseSec: 120, now: new Date(T0) })).map(
        (row) => row.id,
      ),
    ).toEqual([id]);
    const { delivery } = worker();
    vi.setSystemTime(T0 + 120_000 - 1);
    await delivery.runOnce();
    expect(receivedBy(mail.to)).toHaveLength(0);
    vi.setSystemTime(T0 + 120_000);
    await delivery.runOnce();
    expect(receivedBy(mail.to)).toHaveLength(1);
    expect(await rowOf(id)).toMatchObject({ status: "sent", attempts: 2 });
  });

  it("two workers draining one outbox at once send each of 35 mails exactly once", async () => {
    const mails = Array.from({ length: 35 }, () => resetMail().mail);
    for (const mail of mails) await enqueueMail(database.db, mail, { keep: false });
    const a = worker();
    const b = worker();
    await Promise.all([a.delivery.runOnce(), b.delivery.runOnce()]);
    await Promise.all([a.delivery.runOnce(), b.delivery.runOnce()]);

    const recipients = new Set(mails.map((mail) => mail.to));
    const received = inbox.received.filter((mail) => recipients.has(mail.to));
    expect(received.map((mail) => mail.to).sort()).toEqual([...recipients].sort());
    const [counts] = await database.db
      .select({
        sent: sql<number>`count(*) filter (where status = 'sent')::int`,
        attempts: sql<number>`coalesce(sum(attempts), 0)::int`,
      })
      .from(mailOutbox);
    expect(counts).toEqual({ sent: 35, attempts: 35 });
  });

  it("two app instances on one database send each mail exactly once: queued before they started, and asked for on either", async () => {
    const queued = Array.from({ length: 12 }, () => resetMail().mail);
    for (const mail of queued) await enqueueMail(database.db, mail, { keep: false });
    // Both start at once and both look for due mail as they start.
    const [first, second] = await Promise.all([
      startTestInstance(database, withSmtp(inbox)),
      startTestInstance(database, withSmtp(inbox)),
    ]);
    let expected: string[] = [];
    try {
      const signUps = await Promise.all(
        [first, second, first, second].map(async (instance) => {
          const credentials = newCredentials("two-instances");
          expect((await new HttpClient(instance.baseUrl).signUp(credentials)).status).toBe(200);
          return credentials.email;
        }),
      );
      expected = [...queued.map((mail) => mail.to), ...signUps].sort();
      await waitFor(
        async () => {
          const pending = await database.db
            .select({ id: mailOutbox.id })
            .from(mailOutbox)
            .where(eq(mailOutbox.status, "pending"));
          return pending.length === 0 ? true : null;
        },
        15_000,
        "every mail sent",
      );
    } finally {
      // Stopped: nothing more can be sent, so the count below is final.
      await Promise.all([first.close(), second.close()]);
    }
    const wanted = new Set(expected);
    const received = inbox.received.filter((mail) => wanted.has(mail.to));
    expect(received.map((mail) => mail.to).sort()).toEqual(expected);
  });
});
