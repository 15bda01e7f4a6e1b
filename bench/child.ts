/** Forks bench children (TypeScript via tsx, NODE_ENV=production) and talks to them over IPC. */
import { type ChildProcess, fork, type Serializable } from "node:child_process";
import { fileURLToPath } from "node:url";
import { profileDir } from "./profile-windows";

export interface BenchChild<T> {
  pid: number;
  /** The child's first message: "ready" from a server, the results from the timing child. */
  message: Promise<T>;
  /** Every message after the first one (progress, results of a later step). */
  onMessage(listener: (value: unknown) => void): void;
  /** Sends a message to the child (a "go" after its "ready"). */
  send(value: Serializable): void;
  /** Stops the child (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

export interface ChildOptions {
  /** How long the first message may take. */
  timeoutMs?: number;
  /** The Node.js binary to run it on (bench/runtimes.ts); the runner's own by default. */
  execPath?: string;
  /**
   * Names the child's CPU profile `<profileName>.cpuprofile` when BENCH_CPU_PROF_DIR is set (else
   * V8's timestamped default), so a profile can be told apart by row, database and runtime.
   */
  profileName?: string;
}

/** `script` is relative to bench/; `input` arrives as JSON in argv[2]. */
export function startChild<T>(
  script: string,
  input: unknown,
  { timeoutMs = 120_000, execPath = process.execPath, profileName }: ChildOptions = {},
): BenchChild<T> {
  // BENCH_CPU_PROF_DIR: every child writes a V8 CPU profile there when it exits (see
  // bench/profile-summary.ts), for finding out where a slow row spends its time.
  const dir = profileDir();
  const profiling = dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
  if (dir && profileName) profiling.push(`--cpu-prof-name=${profileName}.cpuprofile`);
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), [JSON.stringify(input)], {
    // tsx as a loader, as `npm start` runs the server: the same on every runtime.
    execArgv: ["--import", "tsx", ...profiling],
    execPath,
    env: { ...process.env, NODE_ENV: "production" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  running.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      running.delete(child);
      resolve();
    }),
  );
  const message = new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${script} sent nothing within ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.once("message", (value) => {
      clearTimeout(timer);
      resolve(value as T);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${signal ?? `code ${code}`}) before answering`));
    });
  });
  message.catch(() => {}); // observed by the caller; avoid an unhandled rejection on stop
  const listeners: ((value: unknown) => void)[] = [];
  let first = true;
  child.on("message", (value) => {
    if (first) {
      first = false;
      return;
    }
    for (const listener of listeners) listener(value);
  });
  return {
    pid: child.pid ?? 0,
    message,
    onMessage: (listener) => void listeners.push(listener),
    send: (value) => void child.send(value),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(force);
      }
    },
  };
}

/** For Ctrl-C: kills whatever children are still running. */
export function killChildren(): void {
  for (const child of running) child.kill("SIGKILL");
}
