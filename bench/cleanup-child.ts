/**
 * The cleanup child of the scale phase: connects to the database, sends "ready", and on "go" runs
 * the session cleanup exactly as `npm run sessions:cleanup` does (`cleanupSessions`: the advisory
 * lock, then `runSessionCleanup` in batches), with the production policy. Sends its report and
 * waits to be stopped. In its own process, so that neither the load generator nor the server
 * lends it CPU time.
 */
import { openDatabase } from "../db/client";
import { cleanupSessions } from "../server/sessions/lifecycle/admin-commands";
import {
  CLEANUP_LOCK_KEY,
  type CleanupProgress,
  cleanupPolicy,
  runSessionCleanup,
  type SessionCleanupReport,
} from "../server/sessions/lifecycle/cleanup";
import { productionConfig } from "./our-app";

export interface CleanupInput {
  url: string;
  /**
   * 0 (the bench's default): `cleanupSessions`, as the CLI and the server run it. Above 0, an
   * experiment: the same `runSessionCleanup` one batch at a time, with this pause in between
   * (what a throttled cleanup would cost and spare); the server has no such setting.
   */
  pauseMs?: number;
}

export type CleanupMessage =
  | { type: "ready" }
  | { type: "progress"; deletedSoFar: number; batch: number; ms: number }
  | { type: "done"; report: SessionCleanupReport | null }
  | { type: "failed"; error: string };

const input = JSON.parse(process.argv[2] ?? "{}") as CleanupInput;
const send = (message: CleanupMessage) => process.send?.(message);
// The CLI's pool: one connection holds the advisory lock, the batches run on another.
const handle = await openDatabase({ url: input.url, maxConnections: 2 });
const policy = cleanupPolicy(productionConfig("http://127.0.0.1:3000", input.url));
process.once("disconnect", () => process.exit(0));

process.on("message", (message) => {
  if (message !== "go") return;
  const started = performance.now();
  let lastReport = 0;
  const progress = ({ deletedSoFar, batch }: CleanupProgress) => {
    const ms = performance.now() - started;
    // A progress line every 2 s is plenty (and keeps IPC quiet during the measurement).
    if (ms - lastReport < 2000) return;
    lastReport = ms;
    send({ type: "progress", deletedSoFar, batch, ms: Math.round(ms) });
  };
  const pauseMs = input.pauseMs ?? 0;
  const run =
    pauseMs > 0
      ? handle
          .tryExclusive(CLEANUP_LOCK_KEY, () => throttledCleanup(pauseMs, started, progress))
          .then((outcome) => (outcome.ran ? outcome.value : null))
      : cleanupSessions(handle, policy, progress);
  run.then(
    // Stays alive (connections open) until the runner stops it: its PostgreSQL backends must
    // still exist when the runner reads how much CPU they used.
    (report) => send({ type: "done", report }),
    (error: unknown) =>
      send({ type: "failed", error: error instanceof Error ? error.message : String(error) }),
  );
});
send({ type: "ready" });

/** One batch per `runSessionCleanup` call (aborted after its first batch), `pauseMs` apart. */
async function throttledCleanup(
  pauseMs: number,
  started: number,
  onProgress: (progress: CleanupProgress) => void,
): Promise<SessionCleanupReport> {
  let sessionsDeleted = 0;
  let batches = 0;
  let eventsDeleted = 0;
  let accountRateLimitsDeleted = 0;
  let linksDeleted = 0;
  let mailsDeleted = 0;
  for (;;) {
    const oneBatch = new AbortController();
    const report = await runSessionCleanup(handle, policy, {
      signal: oneBatch.signal,
      onProgress: () => oneBatch.abort(),
    });
    sessionsDeleted += report.sessionsDeleted;
    batches += report.batches;
    eventsDeleted += report.eventsDeleted;
    accountRateLimitsDeleted += report.accountRateLimitsDeleted;
    linksDeleted += report.linksDeleted;
    mailsDeleted += report.mailsDeleted;
    onProgress({ deletedSoFar: sessionsDeleted, batch: batches });
    // Not aborted: both passes and the events ran to the end.
    if (!oneBatch.signal.aborted) break;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  return {
    sessionsDeleted,
    batches,
    eventsDeleted,
    accountRateLimitsDeleted,
    linksDeleted,
    mailsDeleted,
    ms: Math.round(performance.now() - started),
  };
}
