/**
 * Outside production a missing BETTER_AUTH_SECRET is generated once and kept in the data
 * directory, so sessions survive restarts without anyone having to invent a secret for a first
 * run. A side effect (it writes a file): called by the processes a developer starts (the server,
 * the CLI), never by parsing the configuration.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export function developmentSecret(dataDir: string): string {
  const file = path.join(dataDir, "auth-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
