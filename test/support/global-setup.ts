import {
  chromiumPath,
  findPgBouncer,
  findPythonForFastApi,
  hasChromium,
  requireBrowser,
  requirePgBouncer,
  requirePostgres,
  requirePython,
  testDatabaseUrl,
} from "./environment";

/** Says loudly what this run cannot cover, and refuses to skip what CI requires. */
export default function setup() {
  const problems: string[] = [];
  if (!testDatabaseUrl) {
    const line =
      "TEST_DATABASE_URL is not set: database suites run on PGlite only, NOT on PostgreSQL.";
    if (requirePostgres) problems.push(line);
    else console.warn(`\n!!! SKIPPED: ${line}\n`);
  }
  if (!hasChromium) {
    const line = `No Chromium at ${chromiumPath}: the browser (e2e) tests are SKIPPED.`;
    if (requireBrowser) problems.push(line);
    else console.warn(`\n!!! SKIPPED: ${line}\n`);
  }
  if (!findPythonForFastApi()) {
    const line =
      "No Python with fastapi, uvicorn and asyncpg (set PYTHON, or apt-get install python3-fastapi python3-uvicorn python3-asyncpg): the cookie validator services suite (FastAPI and Node examples) is SKIPPED.";
    if (requirePython) problems.push(line);
    else console.warn(`\n!!! SKIPPED: ${line}\n`);
  }
  if (!findPgBouncer() || !testDatabaseUrl) {
    const line =
      "No pgbouncer (apt-get install pgbouncer) or no TEST_DATABASE_URL: the connection pooler suite is SKIPPED.";
    if (requirePgBouncer) problems.push(line);
    else console.warn(`\n!!! SKIPPED: ${line}\n`);
  }
  if (problems.length > 0) {
    throw new Error(`Required test dependencies are missing:\n${problems.join("\n")}`);
  }
}
