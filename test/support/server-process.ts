/** The real server as a child process (`node --import tsx server/main.ts`), for process-level tests. */
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

export function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    // Suites sign in many times from one address: generous limits unless the test sets its own.
    env: { PATH: process.env.PATH ?? "", ...GENEROUS_RATE_LIMITS, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { child, exited, output: () => output };
}

export async function waitForListening(server: ReturnType<typeof run>) {
  for (let i = 0; i < 300; i += 1) {
    if (server.output().includes("Listening on")) return;
    if (server.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server did not start:\n${server.output()}`);
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
