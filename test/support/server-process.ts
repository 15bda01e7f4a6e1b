/**
 * The real server as a child process (`node --import tsx server/main.ts`), for process-level
 * tests, and any other child process whose output a test reads or waits for.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { GENEROUS_RATE_LIMITS } from "./app";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** A child process whose stdout and stderr are collected together, as they are written. */
export interface CollectedProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Everything written so far. */
  output(): string;
  /** Calls `listener` after every chunk of output; returns a function that stops it. */
  onOutput(listener: () => void): () => void;
}

/** Spawns `command` with only `env` (and no stdin), collecting what it writes. */
export function spawnCollecting(
  command: string,
  args: string[],
  env: Record<string, string>,
): CollectedProcess {
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk;
    for (const listener of listeners) listener();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return {
    child,
    exited,
    output: () => output,
    onOutput(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * Resolves when the process writes `text` after the first `from` characters of its output (at
 * that moment: it listens, it does not poll); fails after `timeoutMs` or if the process exits.
 */
export function waitForOutput(
  collected: CollectedProcess,
  text: string,
  { from = 0, timeoutMs }: { from?: number; timeoutMs: number },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const written = () => collected.output().indexOf(text, from) !== -1;
    if (written()) return resolve();
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no "${text}" within ${timeoutMs} ms; output:\n${collected.output()}`));
    }, timeoutMs);
    const stop = collected.onOutput(() => {
      if (!written()) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
    collected.exited.then(() => {
      if (written()) return;
      clearTimeout(timer);
      stop();
      reject(new Error(`exited before writing "${text}"; output:\n${collected.output()}`));
    });
  });
}

export function run(env: Record<string, string>): CollectedProcess {
  return spawnCollecting(process.execPath, ["--import", "tsx", "server/main.ts"], {
    PATH: process.env.PATH ?? "",
    // Suites sign in many times from one address: generous limits unless the test sets its own.
    ...GENEROUS_RATE_LIMITS,
    ...env,
  });
}

export async function waitForListening(server: CollectedProcess) {
  await waitForOutput(server, "Listening on", { timeoutMs: 30_000 }).catch((error: Error) => {
    throw new Error(`server did not start: ${error.message}`);
  });
}

/**
 * The server on a free port of localhost in test mode, without its cleanup schedule, `env` on
 * top; resolves once it listens (a server that does not start is killed, not left behind).
 */
export async function startServerProcess(env: Record<string, string>) {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const server = run({
    NODE_ENV: "test",
    PORT: String(port),
    BASE_URL: url,
    SESSION_CLEANUP_INTERVAL_SEC: "0",
    ...env,
  });
  try {
    await waitForListening(server);
  } catch (error) {
    server.child.kill("SIGKILL");
    throw error;
  }
  return { url, server };
}

export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A script as `npm run …` runs it (`node --import tsx <script> …args`), with only `env` set. */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<ScriptResult> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

export async function stop(child: ChildProcess, exited: Promise<number | null>) {
  child.kill("SIGTERM");
  return exited;
}
