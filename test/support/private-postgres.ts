/**
 * A private PostgreSQL for fault tests: initdb in a temporary folder, its own free port, trust
 * auth, started and stopped with pg_ctl, so a test may stop and restart it without touching the
 * shared TEST_DATABASE_URL server. As root (CI containers) initdb and postgres refuse to run, so
 * they run as the `postgres` OS user, which then owns the folder.
 */
import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./server-process";

const run = promisify(execFile);

/** The directory holding initdb and pg_ctl: $PG_BIN_DIR, the newest /usr/lib/postgresql/N/bin, or null. */
export function findPostgresBinDir(): string | null {
  const fromEnv = process.env.PG_BIN_DIR;
  if (fromEnv && existsSync(join(fromEnv, "initdb"))) return fromEnv;
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((name) => existsSync(join(root, name, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], "bin") : null;
}

export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  port: number;
  /** Starts the server (again) and waits until it accepts connections. */
  start(): Promise<void>;
  /** `pg_ctl stop -m fast`: connections are cut, the server is gone when this resolves. */
  stop(): Promise<void>;
  /** Stops the server if it runs and removes its folder; never throws. */
  destroy(): Promise<void>;
}

/** Creates (initdb) and starts a private PostgreSQL. */
export async function startPrivatePostgres(binDir: string): Promise<PrivatePostgres> {
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), "typed-sessions-pg-"));
  const dataDir = join(dir, "data");
  const logFile = join(dir, "postgres.log");
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  /** Runs a PostgreSQL binary, as the postgres user when we are root. */
  const pg = (tool: string, args: string[]) =>
    asRoot
      ? run("runuser", ["-u", "postgres", "--", join(binDir, tool), ...args])
      : run(join(binDir, tool), args);

  const port = await freePort();
  let running = false;
  const instance: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      // The socket goes into our folder (the default /var/run/postgresql may not exist or be ours).
      const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
      await pg("pg_ctl", ["-D", dataDir, "-l", logFile, "-o", options, "-w", "-t", "30", "start"]);
      running = true;
    },
    async stop() {
      await pg("pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "-t", "30", "stop"]);
      running = false;
    },
    async destroy() {
      if (running || existsSync(join(dataDir, "postmaster.pid"))) {
        await pg("pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "-t", "30", "stop"]).catch(
          () => {},
        );
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await pg("initdb", [
      "-D",
      dataDir,
      "-U",
      "postgres",
      "--auth=trust",
      "-E",
      "UTF8",
      "--no-sync",
    ]);
    await instance.start();
  } catch (error) {
    await instance.destroy();
    throw error;
  }
  return instance;
}
