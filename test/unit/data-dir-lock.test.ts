/**
 * The lock of an embedded database directory (db/data-dir-lock.ts, ADR 0017) on real files and
 * real processes: refused while its holder runs, taken over once the holder is gone, never by two
 * starters at once.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DataDirInUseError,
  LOCK_FILE_NAME,
  type LockRecord,
  lockDataDir,
} from "../../db/data-dir-lock";

let dir: string;
let lockPath: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "data-dir-lock-"));
  lockPath = path.join(dir, LOCK_FILE_NAME);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const command = { kind: "command", label: "a test" } as const;

/** A lock as another process would have left it. */
function writeLock(fields: Partial<LockRecord>): LockRecord {
  const record: LockRecord = {
    kind: "server",
    label: "the server",
    url: "http://localhost:3999",
    pid: 1,
    hostname: "elsewhere",
    since: "2026-11-29T10:00:00.000Z",
    nonce: randomUUID(),
    ...fields,
  };
  writeFileSync(lockPath, JSON.stringify(record));
  return record;
}

function lockOnDisk(): LockRecord {
  return JSON.parse(readFileSync(lockPath, "utf8")) as LockRecord;
}

/** A pid no process has any more: a child that has already exited. */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ["-e", ""]).pid;
  if (!pid) throw new Error("no child pid");
  return pid;
}

/** Linux: field 22 of /proc/<pid>/stat. */
function startTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
}

describe("lockDataDir", () => {
  it("writes who holds it and removes the file on release; a second open in this process is refused", async () => {
    const lock = await lockDataDir(dir, { kind: "server", label: "the server", url: "http://x" });
    expect(lockOnDisk()).toMatchObject({ pid: process.pid, kind: "server", url: "http://x" });
    const again = lockDataDir(dir, command);
    await expect(again).rejects.toBeInstanceOf(DataDirInUseError);
    await expect(again).rejects.toThrow(`already open in this process (pid ${process.pid})`);
    lock.release();
    expect(existsSync(lockPath)).toBe(false);
    (await lockDataDir(dir, command)).release();
  });

  it("refuses a running holder at once, naming it, and leaves its lock alone", async () => {
    // The test runner's parent process: alive for as long as this test runs.
    const holder = writeLock({ pid: process.ppid });
    const attempt = lockDataDir(dir, command);
    await expect(attempt).rejects.toThrow(
      `is in use by a server (pid ${process.ppid}, http://localhost:3999, since ${holder.since}): ` +
        "only one process at a time can open it, so nothing was done. Stop that server first " +
        `(Ctrl+C in its terminal, or \`kill ${process.ppid}\`), then run this again.`,
    );
    expect(lockOnDisk()).toEqual(holder);
  });

  it("tells a command's holder to wait for it", async () => {
    const holder = writeLock({
      pid: process.ppid,
      kind: "command",
      label: "npm run sessions -- cleanup",
      url: undefined,
    });
    await expect(lockDataDir(dir, command)).rejects.toThrow(
      `is in use by \`npm run sessions -- cleanup\` (pid ${process.ppid}, since ${holder.since}): ` +
        "only one process at a time can open it, so nothing was done. Wait for it to finish " +
        `(or stop it: \`kill ${process.ppid}\`), then run this again.`,
    );
  });

  it("takes over the lock of a process that is gone", async () => {
    writeLock({ pid: deadPid() });
    const lock = await lockDataDir(dir, command);
    expect(lockOnDisk().pid).toBe(process.pid);
    lock.release();
  });

  it("takes over a lock that names this process's pid but is not held here (an earlier process with this pid)", async () => {
    writeLock({ pid: process.pid });
    const lock = await lockDataDir(dir, command);
    expect(lockOnDisk().label).toBe("a test");
    lock.release();
  });

  it.runIf(existsSync("/proc/self/stat"))(
    "takes over a lock whose pid was reused by a process started at another time",
    async () => {
      writeLock({ pid: process.ppid, startTicks: startTicks(process.ppid) + 1 });
      const lock = await lockDataDir(dir, command);
      expect(lockOnDisk().pid).toBe(process.pid);
      lock.release();
    },
  );

  it.runIf(existsSync("/proc/self/stat"))(
    "refuses a holder whose pid and start time both match",
    async () => {
      writeLock({ pid: process.ppid, startTicks: startTicks(process.ppid) });
      await expect(lockDataDir(dir, command)).rejects.toBeInstanceOf(DataDirInUseError);
    },
  );

  it("does not take over a lock it cannot read, and says which file to delete", async () => {
    writeFileSync(lockPath, "not json");
    await expect(lockDataDir(dir, command)).rejects.toThrow(
      `has a lock file that cannot be read (${lockPath}). If no process uses that directory, delete the file`,
    );
    expect(readFileSync(lockPath, "utf8")).toBe("not json");
  });

  it("release leaves a lock that is no longer its own", async () => {
    const lock = await lockDataDir(dir, command);
    const other = writeLock({ pid: process.ppid });
    lock.release();
    expect(lockOnDisk()).toEqual(other);
  });

  it("of several processes starting together on a stale lock, exactly one wins; its exit frees the directory", async () => {
    writeLock({ pid: deadPid() });
    const script = path.resolve("test/support/data-dir-lock-child.ts");
    const children = Array.from({ length: 4 }, () => {
      const child = spawn(process.execPath, ["--import", "tsx", script, dir], {
        stdio: ["pipe", "pipe", "inherit"],
      });
      const lines = createInterface({ input: child.stdout });
      const ready = new Promise((resolve) => lines.once("line", resolve));
      const exited = new Promise((resolve) => child.once("close", resolve));
      return { child, lines, ready, exited };
    });
    // Every child has loaded: all are told to go at the same moment.
    await Promise.all(children.map(({ ready }) => ready));
    const outcomes = children.map(({ lines }) => once(lines, "line"));
    for (const { child } of children) child.stdin.write("go\n");
    const results = (await Promise.all(outcomes)).map(([line], index) => ({
      ...(JSON.parse(line) as { ok: boolean; message?: string }),
      pid: children[index]?.child.pid,
    }));
    for (const { child } of children) child.stdin.end();
    await Promise.all(children.map(({ exited }) => exited));
    const winners = results.filter((result) => result.ok);
    expect(winners).toHaveLength(1);
    for (const loser of results.filter((result) => !result.ok)) {
      expect(loser.message).toContain(`in use by \`race child ${winners[0]?.pid}\``);
    }
    // The winner exited without releasing: its exit hook did. No drafts or claims left behind.
    expect(readdirSync(dir)).toEqual([]);
  }, 30_000);
});
