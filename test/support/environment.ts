/**
 * What the test run can reach. On a fresh machine with no PostgreSQL and no Chromium the suites
 * that need them are skipped, loudly; CI sets REQUIRE_POSTGRES=1 and REQUIRE_BROWSER=1, which
 * turn a skip into a failure.
 */
import { existsSync } from "node:fs";

/** A PostgreSQL URL for tests; each test file creates (and drops) its own database on that server. */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL || undefined;
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const hasChromium = existsSync(chromiumPath);

export const requirePostgres = process.env.REQUIRE_POSTGRES === "1";
export const requireBrowser = process.env.REQUIRE_BROWSER === "1";

export type DatabaseKind = "pglite" | "postgres";

/** Every database-backed suite runs once per entry: always PGlite, PostgreSQL when configured. */
export const databaseKinds: DatabaseKind[] = testDatabaseUrl ? ["pglite", "postgres"] : ["pglite"];
