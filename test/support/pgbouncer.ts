/**
 * A private PgBouncer in transaction pooling mode in front of the TEST_DATABASE_URL server, as
 * many deployments run it: its own free port, trust auth, started and stopped by the test. As
 * root (CI containers) it refuses to run, so it switches to the `postgres` OS user (`-u`).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./server-process";

export interface PgBouncer {
  /** `url` with its host and port replaced by the pooler's. */
  through(url: string): string;
  stop(): Promise<void>;
}

export async function startPgBouncer(binary: string, serverUrl: string): Promise<PgBouncer> {
  const server = new URL(serverUrl);
  const dir = mkdtempSync(join(tmpdir(), "typed-sessions-pgbouncer-"));
  const port = await freePort();
  const user = decodeURIComponent(server.username || "postgres");
  writeFileSync(join(dir, "users.txt"), `"${user}" ""\n`);
  writeFileSync(
    join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      // Any database name the client asks for, on the test server.
      `* = host=${server.hostname} port=${server.port || 5432}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${join(dir, "users.txt")}`,
      "pool_mode = transaction",
      "default_pool_size = 20",
      "max_client_conn = 500",
      "",
    ].join("\n"),
  );
  // Readable by the postgres user it switches to when we are root.
  chmodSync(dir, 0o755);
  const asRoot = process.getuid?.() === 0;
  const args = [...(asRoot ? ["-u", "postgres"] : []), join(dir, "pgbouncer.ini")];
  const child: ChildProcess = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100 && !output.includes("process up"); i += 1) {
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!output.includes("process up")) {
    await stop();
    throw new Error(`pgbouncer did not start:\n${output}`);
  }
  return {
    through(url) {
      const pooled = new URL(url);
      pooled.hostname = "127.0.0.1";
      pooled.port = String(port);
      return pooled.toString();
    },
    stop,
  };
}

/** `pgbouncer --version`, for the suite's title. */
export function pgBouncerVersion(binary: string): string {
  return spawnSync(binary, ["--version"], { encoding: "utf8" }).stdout.split("\n")[0] ?? "";
}
