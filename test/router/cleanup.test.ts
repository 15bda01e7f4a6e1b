/**
 * The cleanup of expired sessions and old events, at its boundaries: rows are moved in time (no
 * sleeping) to the very instant of the idle expiry, the absolute lifetime and the end of a
 * rate-limit window, and a millisecond inside them, with the clock held still; the event
 * retention a day on either side. On PostgreSQL also at scale, and the cross-instance lock.
 */

import { createHash } from "node:crypto";
import { and, inArray, type SQL, sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Database } from "../../db/client";
import {
  accountLink,
  accountRateLimit,
  mailOutbox,
  session,
  sessionEvent,
  user,
} from "../../db/schema";
import {
  CLEANUP_LOCK_KEY,
  type CleanupProgress,
  cleanupExpiredSessions,
  cleanupPolicy,
  MAIL_RETENTION_DAYS,
  runSessionCleanup,
} from "../../server/sessions/lifecycle/cleanup";
import { startCleanupSchedule } from "../../server/sessions/lifecycle/cleanup-schedule";
import { Device, newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useTestApp } from "../support/fixtures";

/** Rows of `db.execute`, on postgres.js (an array) and PGlite (`{ rows }`) alike. */
function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : ((result as { rows: T[] }).rows ?? []);
}

describe.each(databaseKinds)("session cleanup on %s", (kind) => {
  const app = useTestApp(kind);
  // Every test starts from no sessions: one left "1 s before expiry" would expire in the next test.
  afterEach(async () => {
    vi.useRealTimers();
    await app.database.db.execute(sql`delete from session`);
    await app.database.db.delete(accountRateLimit);
    await app.database.db.delete(accountLink);
    await app.database.db.delete(mailOutbox);
  });

  const lifetimeSec = () => app.deps.config.session.absoluteLifetimeSec;
  /** The cleanup of sessions and events only (per-account rate-limit counters are kept). */
  const withoutRateLimitPruning = () => ({
    absoluteLifetimeSec: lifetimeSec(),
    eventRetentionDays: app.deps.config.cleanup.eventRetentionDays,
  });

  /** A signed-up user's session id (real sign-up through Better Auth). */
  async function newSession(): Promise<string> {
    const device = new Device(app.deps);
    await device.signUp(newCredentials("cleanup"));
    const current = await device.call((c) => c.session.current());
    if (!current) throw new Error("sign-up gave no session");
    return current.session.id;
  }

  async function moveSession(id: string, set: SQL, db: Database = app.database.db) {
    await db.execute(sql`update session set ${set} where id = ${id}`);
  }

  /**
   * The database's clock held still: `now()` is the start of the transaction, so rows moved
   * relative to it and the cleanup run in the same transaction (its own transactions become
   * savepoints) see one instant, however long the statements take. The sessions pass reads the
   * database's clock, not this process's, so fake timers cannot hold it.
   */
  function atOneInstant<T>(work: (db: Database) => Promise<T>): Promise<T> {
    return app.database.db.transaction((tx) => work(tx as unknown as Database));
  }

  async function remainingOf(ids: string[]) {
    const rows = await app.database.db
      .select({ id: session.id })
      .from(session)
      .where(inArray(session.id, ids));
    return rows.map((row) => row.id).sort();
  }

  async function endEventsOf(ids: string[]) {
    return app.database.db
      .select({
        sessionId: sessionEvent.sessionId,
        type: sessionEvent.type,
        reason: sessionEvent.reason,
        actorUserId: sessionEvent.actorUserId,
      })
      .from(sessionEvent)
      .where(
        and(
          inArray(sessionEvent.sessionId, ids),
          inArray(sessionEvent.type, ["revoked", "expired", "cleaned_up"]),
        ),
      );
  }

  it("deletes a session at its expiry and keeps one a millisecond before it, recorded as idle_timeout", async () => {
    const [before, at] = [await newSession(), await newSession()];

    const result = await atOneInstant(async (db) => {
      await moveSession(before, sql`expires_at = now() + interval '1 millisecond'`, db);
      await moveSession(at, sql`expires_at = now()`, db);
      return cleanupExpiredSessions(db, { absoluteLifetimeSec: lifetimeSec() });
    });

    expect(result).toMatchObject({ sessionsDeleted: 1, batches: 1 });
    expect(await remainingOf([before, at])).toEqual([before]);
    expect(await endEventsOf([before, at])).toEqual([
      { sessionId: at, type: "cleaned_up", reason: "idle_timeout", actorUserId: null },
    ]);
  });

  it("deletes a session at its absolute lifetime, though its expiry is ahead, and keeps one a millisecond younger", async () => {
    const [inside, at] = [await newSession(), await newSession()];

    const result = await atOneInstant(async (db) => {
      // Only created_at moves: expires_at stays 7 days ahead, so only the absolute pass can find it.
      const lifetime = sql`make_interval(secs => ${lifetimeSec()})`;
      await moveSession(
        inside,
        sql`created_at = now() - ${lifetime} + interval '1 millisecond'`,
        db,
      );
      await moveSession(at, sql`created_at = now() - ${lifetime}`, db);
      return cleanupExpiredSessions(db, { absoluteLifetimeSec: lifetimeSec() });
    });

    expect(result).toMatchObject({ sessionsDeleted: 1, batches: 1 });
    expect(await remainingOf([inside, at])).toEqual([inside]);
    expect(await endEventsOf([inside, at])).toEqual([
      { sessionId: at, type: "cleaned_up", reason: "absolute_timeout", actorUserId: null },
    ]);
  });

  it("works in batches: 5 expired sessions at 2 per batch take 3 batches, each reported", async () => {
    const expired: string[] = [];
    for (let i = 0; i < 5; i += 1) expired.push(await newSession());
    const live = await newSession();
    for (const id of expired) await moveSession(id, sql`expires_at = now() - interval '1 minute'`);

    const progress: CleanupProgress[] = [];
    const result = await cleanupExpiredSessions(app.database.db, {
      absoluteLifetimeSec: lifetimeSec(),
      batchSize: 2,
      onProgress: (p) => progress.push(p),
    });

    expect(result).toMatchObject({ sessionsDeleted: 5, batches: 3 });
    expect(progress).toEqual([
      { deletedSoFar: 2, batch: 1 },
      { deletedSoFar: 4, batch: 2 },
      { deletedSoFar: 5, batch: 3 },
    ]);
    expect(await remainingOf([...expired, live])).toEqual([live]);
    const events = await endEventsOf([...expired, live]);
    expect(events.map((e) => e.sessionId).sort()).toEqual([...expired].sort());
  });

  it("deletes events past the retention period (91 days) and keeps younger ones (89 days)", async () => {
    const insertEvent = (sessionId: string, ageDays: number) =>
      app.database.db.execute(sql`
        insert into session_event (user_id, session_id, type, reason, created_at)
        values ('retention-user', ${sessionId}, 'revoked', 'sign_out',
                now() - make_interval(days => ${ageDays}))`);
    await insertEvent("retention-91", 91);
    await insertEvent("retention-89", 89);
    expect(app.deps.config.cleanup.eventRetentionDays).toBe(90);

    const report = await runSessionCleanup(app.database, withoutRateLimitPruning());

    expect(report).toMatchObject({ sessionsDeleted: 0, eventsDeleted: 1 });
    const kept = await app.database.db
      .select({ sessionId: sessionEvent.sessionId })
      .from(sessionEvent)
      .where(inArray(sessionEvent.sessionId, ["retention-91", "retention-89"]));
    expect(kept).toEqual([{ sessionId: "retention-89" }]);
  });

  it("deletes per-account rate-limit counters whose window has ended and keeps one a millisecond from its end", async () => {
    // This pass compares with this process's clock: fake time holds it still (Date only).
    const nowMs = Date.now();
    vi.useFakeTimers({ toFake: ["Date"], now: nowMs });
    const { accountWindowSec } = app.deps.config.rateLimit;
    await app.database.db.insert(accountRateLimit).values([
      {
        key: "sign-in:ended@cleanup.test",
        count: 9,
        windowStartedAt: new Date(nowMs - accountWindowSec * 1000),
      },
      {
        key: "sign-in:live@cleanup.test",
        count: 9,
        windowStartedAt: new Date(nowMs - accountWindowSec * 1000 + 1),
      },
    ]);

    const report = await runSessionCleanup(app.database, cleanupPolicy(app.deps.config));

    expect(report.accountRateLimitsDeleted).toBe(1);
    const counters = await app.database.db
      .select({ key: accountRateLimit.key, count: accountRateLimit.count })
      .from(accountRateLimit);
    // A live window keeps its count: pruning never lets an attacker start over early.
    expect(counters).toEqual([{ key: "sign-in:live@cleanup.test", count: 9 }]);
    await app.database.db.delete(accountRateLimit);
  });

  it("keeps the mail limits' counters until their own window ends, however short the account window", async () => {
    const nowMs = Date.now();
    vi.useFakeTimers({ toFake: ["Date"], now: nowMs });
    const HOUR_MS = 3600_000;
    const QUARTER_MS = 900_000;
    const ipWindowMs = app.deps.config.rateLimit.ipWindowSec * 1000;
    const startedAgo = (ms: number) => new Date(nowMs - ms);
    await app.database.db.insert(accountRateLimit).values([
      { key: "new-device-alert:live", count: 3, windowStartedAt: startedAgo(HOUR_MS - 1) },
      { key: "new-device-alert:ended", count: 3, windowStartedAt: startedAgo(HOUR_MS) },
      {
        key: "reset-link:live@cleanup.test",
        count: 3,
        windowStartedAt: startedAgo(QUARTER_MS - 1),
      },
      { key: "reset-link:ended@cleanup.test", count: 3, windowStartedAt: startedAgo(QUARTER_MS) },
      {
        key: "verify-link:live@cleanup.test",
        count: 3,
        windowStartedAt: startedAgo(QUARTER_MS - 1),
      },
      { key: "reset-link-ip:192.0.2.1", count: 3, windowStartedAt: startedAgo(ipWindowMs - 1) },
      { key: "reset-link-ip:192.0.2.2", count: 3, windowStartedAt: startedAgo(ipWindowMs) },
      { key: "sign-in:ended@cleanup.test", count: 9, windowStartedAt: startedAgo(60_000) },
    ]);
    const config = app.deps.config;
    // A one-minute account window: the sign-in counter has ended, the mail ones are theirs.
    const policy = cleanupPolicy({
      ...config,
      rateLimit: { ...config.rateLimit, accountWindowSec: 60 },
    });
    const report = await runSessionCleanup(app.database, policy);

    const kept = await app.database.db.select({ key: accountRateLimit.key }).from(accountRateLimit);
    expect(kept.map((row) => row.key).sort()).toEqual([
      "new-device-alert:live",
      "reset-link-ip:192.0.2.1",
      "reset-link:live@cleanup.test",
      "verify-link:live@cleanup.test",
    ]);
    expect(report.accountRateLimitsDeleted).toBe(4);
  });

  it("deletes links that can no longer be used (expired, or used a day ago) and keeps one a millisecond from either", async () => {
    const nowMs = Date.now();
    vi.useFakeTimers({ toFake: ["Date"], now: nowMs });
    await newSession();
    const [owner] = await app.database.db.select({ id: user.id }).from(user).limit(1);
    const DAY_MS = 86_400_000;
    const link = (label: string, expiresInMs: number, usedAgoMs: number | null) => ({
      tokenHash: createHash("sha256").update(label).digest("hex"),
      purpose: "reset_password" as const,
      userId: owner?.id ?? "",
      expiresAt: new Date(nowMs + expiresInMs),
      usedAt: usedAgoMs === null ? null : new Date(nowMs - usedAgoMs),
    });
    const rows = [
      link("expired now", 0, null),
      link("expires in 1 ms", 1, null),
      link("used a day ago", DAY_MS, DAY_MS),
      link("used a day ago less 1 ms", DAY_MS, DAY_MS - 1),
    ];
    await app.database.db.insert(accountLink).values(rows);

    const report = await runSessionCleanup(app.database, withoutRateLimitPruning());

    const left = await app.database.db.select({ hash: accountLink.tokenHash }).from(accountLink);
    const hashes = new Set(left.map((row) => row.hash));
    expect(rows.filter((row) => hashes.has(row.tokenHash)).map((row) => row.tokenHash)).toEqual([
      rows[1]?.tokenHash,
      rows[3]?.tokenHash,
    ]);
    expect(report.linksDeleted).toBe(2);
  });

  it(`deletes mails done with for more than ${MAIL_RETENTION_DAYS} days, and never a pending one however old`, async () => {
    const nowMs = Date.now();
    vi.useFakeTimers({ toFake: ["Date"], now: nowMs });
    const retentionMs = MAIL_RETENTION_DAYS * 86_400_000;
    const mail = (to: string, status: "pending" | "sent" | "failed" | "kept", ageMs: number) => ({
      kind: "password_reset",
      recipient: to,
      subject: "s",
      status,
      createdAt: new Date(nowMs - ageMs),
      nextAttemptAt: new Date(nowMs - ageMs),
    });
    await app.database.db
      .insert(mailOutbox)
      .values([
        mail("sent-old@cleanup.test", "sent", retentionMs + 1),
        mail("failed-old@cleanup.test", "failed", retentionMs + 1),
        mail("kept-old@cleanup.test", "kept", retentionMs + 1),
        mail("sent-at-retention@cleanup.test", "sent", retentionMs),
        mail("pending-old@cleanup.test", "pending", 30 * retentionMs),
      ]);

    const report = await runSessionCleanup(app.database, withoutRateLimitPruning());

    const left = await app.database.db.select({ to: mailOutbox.recipient }).from(mailOutbox);
    expect(left.map((row) => row.to).sort()).toEqual([
      "pending-old@cleanup.test",
      "sent-at-retention@cleanup.test",
    ]);
    expect(report.mailsDeleted).toBe(3);
  });

  it("without the per-account window, counters are left alone", async () => {
    await app.database.db.insert(accountRateLimit).values({
      key: "sign-in:old@cleanup.test",
      count: 1,
      windowStartedAt: new Date(Date.now() - 365 * 86_400_000),
    });
    const report = await runSessionCleanup(app.database, withoutRateLimitPruning());
    expect(report.accountRateLimitsDeleted).toBe(0);
    expect(await app.database.db.select().from(accountRateLimit)).toHaveLength(1);
    await app.database.db.delete(accountRateLimit);
  });

  it("the schedule runs the cleanup, logs counts only, and stops", async () => {
    const expired = await newSession();
    await moveSession(expired, sql`expires_at = now() - interval '1 second'`);
    const lines: string[] = [];
    const onError = vi.fn();
    const policy = { ...cleanupPolicy(app.deps.config), intervalSec: 3600 };
    const schedule = startCleanupSchedule(app.database, policy, {
      log: (line) => lines.push(line),
      onError,
      firstRunDelayMs: 0,
    });
    await vi.waitFor(() => expect(lines).toHaveLength(1));
    await schedule.stop();

    expect(lines[0]).toMatch(
      /^Session cleanup: deleted 1 expired session\(s\), 0 old event\(s\), 0 ended account rate-limit counter\(s\), 0 spent mail link\(s\) and 0 old mail\(s\) in /,
    );
    expect(onError).not.toHaveBeenCalled();
    expect(await remainingOf([expired])).toEqual([]);
  });

  it("an interval of 0 starts no schedule", async () => {
    const lines: string[] = [];
    const schedule = startCleanupSchedule(
      app.database,
      { ...cleanupPolicy(app.deps.config), intervalSec: 0 },
      { log: (line) => lines.push(line), onError: vi.fn(), firstRunDelayMs: 0 },
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await schedule.stop();
    expect(lines).toEqual(["Session cleanup: off in this server (SESSION_CLEANUP_INTERVAL_SEC=0)"]);
  });
});

describe.runIf(databaseKinds.includes("postgres"))("session cleanup at scale on PostgreSQL", () => {
  // CI always sets TEST_DATABASE_URL (REQUIRE_POSTGRES=1), so this runs there.
  const app = useTestApp("postgres");

  const EXPIRED = 100_000;
  const LIVE = 1_000;
  const USERS = 1_000;

  async function liveIds(): Promise<string[]> {
    const rows = rowsOf<{ id: string }>(
      await app.database.db.execute(sql`
        select id from session
        where expires_at > now()
          and created_at > now() - make_interval(secs => ${app.deps.config.session.absoluteLifetimeSec})
        order by id`),
    );
    return rows.map((row) => row.id);
  }

  it(`deletes ${EXPIRED} expired sessions beside ${LIVE} live ones, recording each`, async () => {
    const db = app.database.db;
    await db.execute(sql`
      insert into "user" (id, name, email)
      select 'bulk-user-' || g, 'Bulk ' || g, 'bulk-' || g || '@example.com'
      from generate_series(1, ${USERS}) as g`);
    // The first LIVE rows are live (one per user, under the per-user limit); the rest expired,
    // every tenth of them by its absolute lifetime rather than by inactivity.
    await db.execute(sql`
      insert into session (id, token, user_id, expires_at, created_at, updated_at)
      select
        case when g <= ${LIVE} then 'live-' else 'expired-' end || g,
        encode(sha256(convert_to('bulk-token-' || g, 'UTF8')), 'hex'),
        'bulk-user-' || (g % ${USERS} + 1),
        case when g <= ${LIVE} then now() + interval '7 days'
             else now() - interval '1 second' - g * interval '1 millisecond' end,
        case when g <= ${LIVE} then now()
             when g % 10 = 0 then now() - interval '31 days'
             else now() - interval '8 days' end,
        now() - interval '1 day'
      from generate_series(1, ${LIVE + EXPIRED}) as g`);
    const liveBefore = await liveIds();
    expect(liveBefore).toHaveLength(LIVE);

    const startedAt = performance.now();
    const result = await cleanupExpiredSessions(db, {
      absoluteLifetimeSec: app.deps.config.session.absoluteLifetimeSec,
    });
    const elapsedMs = performance.now() - startedAt;

    expect(result).toMatchObject({ sessionsDeleted: EXPIRED, batches: EXPIRED / 5000 });
    expect(await liveIds()).toEqual(liveBefore);
    const [{ remaining } = { remaining: -1 }] = rowsOf<{ remaining: number }>(
      await db.execute(sql`select count(*)::int as remaining from session`),
    );
    expect(remaining).toBe(LIVE);
    const reasons = rowsOf<{ reason: string; count: number }>(
      await db.execute(sql`
        select reason, count(*)::int as count from session_event
        where type = 'cleaned_up' group by reason order by reason`),
    );
    expect(reasons).toEqual([
      { reason: "absolute_timeout", count: EXPIRED / 10 },
      { reason: "idle_timeout", count: EXPIRED - EXPIRED / 10 },
    ]);
    // Generous: the point is that it finishes in batches, not a benchmark.
    expect(elapsedMs).toBeLessThan(90_000);
  }, 120_000);

  it("tryExclusive: of two concurrent calls exactly one runs; the lock is free afterwards", async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const ran: string[] = [];
    const attempt = (name: string) =>
      app.database.tryExclusive(CLEANUP_LOCK_KEY, async () => {
        ran.push(name);
        await gate;
        return name;
      });
    const first = attempt("first");
    const second = attempt("second");
    // The loser returns at once, while the winner still holds the lock.
    const loser = await Promise.race([first, second]);
    expect(loser).toEqual({ ran: false });
    open();
    const outcomes = await Promise.all([first, second]);
    expect(outcomes.filter((outcome) => outcome.ran)).toHaveLength(1);
    expect(ran).toHaveLength(1);

    await expect(app.database.tryExclusive(CLEANUP_LOCK_KEY, async () => "again")).resolves.toEqual(
      { ran: true, value: "again" },
    );
  });

  it("the schedule skips a run while another instance holds the cleanup lock", async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let held!: () => void;
    const holding = new Promise<void>((resolve) => {
      held = resolve;
    });
    const holder = app.database.tryExclusive(CLEANUP_LOCK_KEY, () => {
      held();
      return gate;
    });
    await holding;
    const lines: string[] = [];
    const policy = { ...cleanupPolicy(app.deps.config), intervalSec: 3600 };
    const schedule = startCleanupSchedule(app.database, policy, {
      log: (line) => lines.push(line),
      onError: vi.fn(),
      firstRunDelayMs: 0,
    });
    await vi.waitFor(() => expect(lines).toHaveLength(1));
    await schedule.stop();
    open();
    await holder;
    expect(lines).toEqual(["Session cleanup: skipped, another instance is running it"]);
  });
});
