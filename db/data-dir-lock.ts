/**
 * One process at a time on an embedded database directory (ADR 0017). PGlite itself does not
 * check: two processes on one directory each run their own PostgreSQL over the same files, so
 * the second one's writes are lost (or the files corrupted). Its `postmaster.pid` cannot tell
 * either: the WASM build writes the placeholder pid -42, does not check it on open, and deletes
 * it on close even while another process still has the directory open.
 *
 * The lock is a file, `owner.lock`, in the directory: who holds it (pid, the process's start
 * time, what it is, a server's URL), so a refused process can name it. It is created whole and
 * atomically (written under a temporary name, then hard-linked into place: `link` fails if the
 * name exists), removed on close and at process exit. The lock of a process that is gone (killed,
 * crashed) is taken over; see `takeOver` for why two starters cannot both win.
 */
import { randomUUID } from "node:crypto";
import { linkSync, readFileSync, realpathSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";

/** Who opens the directory: written into its lock, so a refused second process can name it. */
export interface DataDirOwner {
  /** A server is stopped by its operator; a command finishes by itself. */
  kind: "server" | "command";
  /** How a person recognises it: "the server", "npm run sessions -- revoke". */
  label: string;
  /** A server's base URL. */
  url?: string | undefined;
}

/** The lock file's content. */
export interface LockRecord extends DataDirOwner {
  pid: number;
  /**
   * Linux: the process's start time (clock ticks after boot, /proc/<pid>/stat field 22) and the
   * boot's id, so a pid reused after a crash, a reboot or a container restart is not taken for
   * the owner. Absent elsewhere: there the pid alone decides.
   */
  startTicks?: number | undefined;
  bootId?: string | undefined;
  hostname: string;
  /** ISO time the lock was taken. */
  since: string;
  /** Tells this lock from a later one of the same pid (see `takeOver`). */
  nonce: string;
}

/** The directory is open in another process (or already in this one): nothing was done. */
export class DataDirInUseError extends Error {
  /** The holder as its lock names it; absent when the lock could not be read. */
  readonly owner: LockRecord | undefined;

  constructor(message: string, owner?: LockRecord) {
    super(message);
    this.owner = owner;
    this.name = "DataDirInUseError";
  }
}

export interface DataDirLock {
  /** Removes the lock if it is still this one. Idempotent. */
  release(): void;
}

export const LOCK_FILE_NAME = "owner.lock";

/** Locks this process holds, by lock path: released at exit, and a second open here refused. */
const held = new Map<string, string>();
let exitHookInstalled = false;

/**
 * Takes the lock of `dir` (which must exist) for `owner`, or throws DataDirInUseError naming the
 * process that holds it. Never waits for a live holder: a second process refuses at once.
 */
export async function lockDataDir(dir: string, owner: DataDirOwner): Promise<DataDirLock> {
  const realDir = realpathSync(dir);
  const lockPath = path.join(realDir, LOCK_FILE_NAME);
  if (held.has(lockPath)) throw alreadyOpenHere(realDir);
  const record = ownRecord(owner);
  // Written whole under a name no one else uses, then linked into place in one step: a reader
  // never sees a half-written lock.
  const draft = `${lockPath}.${process.pid}.${record.nonce}.tmp`;
  writeFileSync(draft, `${JSON.stringify(record, null, 2)}\n`, { flag: "wx" });
  try {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      try {
        linkSync(draft, lockPath);
        return hold(lockPath, record.nonce);
      } catch (error) {
        if (errorCode(error) !== "EEXIST") throw error;
      }
      const current = readLock(lockPath);
      if (current === "missing") continue;
      if (current === "unreadable") {
        throw new DataDirInUseError(
          `The embedded database in ${realDir} has a lock file that cannot be read (${lockPath}). ` +
            "If no process uses that directory, delete the file and try again.",
        );
      }
      if (held.get(lockPath) === current.nonce) throw alreadyOpenHere(realDir);
      if (isRunning(current)) throw new DataDirInUseError(inUseMessage(realDir, current), current);
      // Its holder is gone: take over, or let the concurrent starter that is doing so finish.
      if (!takeOver(lockPath, current)) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new DataDirInUseError(
      `Could not take over the stale lock of the embedded database in ${realDir} (${lockPath}): ` +
        "another process kept taking it. If no process uses that directory, delete " +
        `${LOCK_FILE_NAME} and the ${LOCK_FILE_NAME}.stale-* files in it, and try again.`,
    );
  } finally {
    rmSync(draft, { force: true });
  }
}

/**
 * Removes the lock file of a process that is gone, unless someone else is removing it; returns
 * whether the path was dealt with (removed, or already changed).
 *
 * Plain "read, see it is stale, unlink" races: two starters read the same stale lock, A unlinks
 * it and links its own, B then unlinks A's. So a remover first claims the stale lock by
 * hard-linking it to a name derived from its nonce: only one `link` to that name succeeds, and
 * while the claim exists no one else can claim that lock, and no one can replace the lock path
 * either (its holder is gone, new lockers fail with EEXIST). If the claim, once made, holds
 * another nonce, the lock path had already changed: nothing is unlinked but the claim.
 */
function takeOver(lockPath: string, stale: LockRecord): boolean {
  const claim = `${lockPath}.stale-${stale.nonce}`;
  try {
    linkSync(lockPath, claim);
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT") return true;
    if (code === "EEXIST") return false;
    throw error;
  }
  try {
    const claimed = readLock(claim);
    if (typeof claimed === "object" && claimed.nonce === stale.nonce) unlinkSync(lockPath);
    return true;
  } finally {
    rmSync(claim, { force: true });
  }
}

function hold(lockPath: string, nonce: string): DataDirLock {
  held.set(lockPath, nonce);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A process that exits without closing (process.exit, an uncaught error) frees the directory
    // too; one killed outright leaves its lock behind, and the next starter takes it over.
    process.on("exit", () => {
      for (const [lockPath, nonce] of held) removeIfOurs(lockPath, nonce);
    });
  }
  return {
    release() {
      if (held.get(lockPath) !== nonce) return;
      held.delete(lockPath);
      removeIfOurs(lockPath, nonce);
    },
  };
}

function removeIfOurs(lockPath: string, nonce: string) {
  try {
    const current = readLock(lockPath);
    if (typeof current === "object" && current.nonce === nonce) unlinkSync(lockPath);
  } catch {
    // Gone already, or its directory is (deleted by hand): nothing left to release.
  }
}

function ownRecord(owner: DataDirOwner): LockRecord {
  return {
    kind: owner.kind,
    label: owner.label,
    ...(owner.url ? { url: owner.url } : {}),
    pid: process.pid,
    startTicks: processStartTicks(process.pid),
    bootId: bootId(),
    hostname: hostname(),
    since: new Date().toISOString(),
    nonce: randomUUID(),
  };
}

/** Whether the lock's holder still runs (a pid alone could be a new process that reused it). */
function isRunning(record: LockRecord): boolean {
  // Our own pid on a lock we do not hold: left by an earlier process that had this pid (a
  // container restarted, its server pid 1 again).
  if (record.pid === process.pid) return false;
  const boot = bootId();
  if (record.bootId && boot && record.bootId !== boot) return false;
  try {
    process.kill(record.pid, 0);
  } catch (error) {
    // EPERM: it exists, as another user.
    if (errorCode(error) === "ESRCH") return false;
  }
  // A process with that pid, started at another time: the pid was reused.
  const startTicks = processStartTicks(record.pid);
  if (record.startTicks === undefined || startTicks === undefined) return true;
  return startTicks === record.startTicks;
}

function alreadyOpenHere(dir: string): DataDirInUseError {
  return new DataDirInUseError(
    `The embedded database in ${dir} is already open in this process (pid ${process.pid}): ` +
      "open it once and share the handle.",
  );
}

function inUseMessage(dir: string, holder: LockRecord): string {
  const facts = [`pid ${holder.pid}`, holder.url, `since ${holder.since}`].filter(Boolean);
  const who = holder.kind === "server" ? "a server" : `\`${holder.label}\``;
  const advice =
    holder.kind === "server"
      ? `Stop that server first (Ctrl+C in its terminal, or \`kill ${holder.pid}\`), then run this again.`
      : `Wait for it to finish (or stop it: \`kill ${holder.pid}\`), then run this again.`;
  return (
    `The embedded database in ${dir} is in use by ${who} (${facts.join(", ")}): ` +
    `only one process at a time can open it, so nothing was done. ${advice}`
  );
}

function readLock(file: string): LockRecord | "missing" | "unreadable" {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return "missing";
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<LockRecord> | null;
    const valid =
      typeof value === "object" &&
      value !== null &&
      Number.isSafeInteger(value.pid) &&
      (value.pid ?? 0) > 0 &&
      typeof value.nonce === "string" &&
      // The nonce names the claim file: no path separators from a hand-edited lock.
      /^[\w-]{1,64}$/.test(value.nonce) &&
      (value.kind === "server" || value.kind === "command") &&
      typeof value.label === "string" &&
      typeof value.since === "string";
    return valid ? (value as LockRecord) : "unreadable";
  } catch {
    return "unreadable";
  }
}

/** Linux: field 22 of /proc/<pid>/stat, after the command name (which may hold spaces or ")"). */
function processStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]);
    return Number.isSafeInteger(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

function bootId(): string | undefined {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}
