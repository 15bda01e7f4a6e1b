/**
 * What the test run can reach. On a fresh machine with no PostgreSQL, no Chromium, no Python
 * with FastAPI or no PgBouncer the suites that need them are skipped, loudly; CI sets
 * REQUIRE_POSTGRES=1, REQUIRE_BROWSER=1, REQUIRE_PYTHON=1 and REQUIRE_PGBOUNCER=1, which turn a
 * skip into a failure.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** A PostgreSQL URL for tests; each test file creates (and drops) its own database on that server. */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL || undefined;
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const hasChromium = existsSync(chromiumPath);

export const requirePostgres = process.env.REQUIRE_POSTGRES === "1";
export const requireBrowser = process.env.REQUIRE_BROWSER === "1";
export const requirePython = process.env.REQUIRE_PYTHON === "1";
export const requirePgBouncer = process.env.REQUIRE_PGBOUNCER === "1";

/** A Python interpreter that can run examples/validate-session-cookie/fastapi_app.py. */
export interface PythonForFastApi {
  path: string;
  /** e.g. "FastAPI 0.92.0, uvicorn 0.17.6, asyncpg 0.27.0, Python 3.11.2" */
  versions: string;
}

const PROBE = [
  "import sys, fastapi, uvicorn, asyncpg",
  'print(f"FastAPI {fastapi.__version__}, uvicorn {uvicorn.__version__}, asyncpg {asyncpg.__version__}, Python {sys.version.split()[0]}")',
].join("\n");
let python: PythonForFastApi | null | undefined;

/**
 * $PYTHON, else the first of `python3` on PATH and Debian's /usr/bin/python3 (what
 * `apt-get install python3-fastapi python3-uvicorn python3-asyncpg` serves, when a pyenv or venv
 * python3 comes first on PATH) that imports fastapi, uvicorn and asyncpg; null when none does.
 */
export function findPythonForFastApi(): PythonForFastApi | null {
  if (python !== undefined) return python;
  const candidates = process.env.PYTHON ? [process.env.PYTHON] : ["python3", "/usr/bin/python3"];
  python = null;
  for (const path of candidates) {
    const probe = spawnSync(path, ["-c", PROBE], { encoding: "utf8", timeout: 20_000 });
    if (probe.status === 0) {
      python = { path, versions: probe.stdout.trim() };
      break;
    }
  }
  return python;
}

/** Debian's pgbouncer binary, or $PGBOUNCER; null when there is none. */
export function findPgBouncer(): string | null {
  const candidates = [process.env.PGBOUNCER, "/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"];
  return candidates.find((path) => path && existsSync(path)) ?? null;
}

export type DatabaseKind = "pglite" | "postgres";

/** Every database-backed suite runs once per entry: always PGlite, PostgreSQL when configured. */
export const databaseKinds: DatabaseKind[] = testDatabaseUrl ? ["pglite", "postgres"] : ["pglite"];
