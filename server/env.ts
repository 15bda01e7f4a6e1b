/**
 * Configuration, parsed once at start-up. A bad value stops the server with a message that names
 * every offending variable (t3-env / Epic Stack style). Units live in the names.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const DAY_SEC = 24 * 60 * 60;

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    HOST: optionalString,
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    DATABASE_URL: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
        .optional(),
    ),
    DATA_DIR: z.string().default(".data"),
    BETTER_AUTH_SECRET: optionalString.pipe(
      z.string().min(32, "must be at least 32 characters").optional(),
    ),
    TRUSTED_ORIGINS: optionalString,
    COOKIE_DOMAIN: optionalString,
    COOKIE_PREFIX: z
      .string()
      .regex(/^[a-z0-9-]+$/i, "letters, digits and dashes only")
      .default("better-auth"),
    TRUST_PROXY: z.enum(["true", "false"]).default("false"),
    SESSION_EXPIRES_IN_SEC: seconds(7 * DAY_SEC),
    SESSION_UPDATE_AGE_SEC: seconds(DAY_SEC),
    SESSION_COOKIE_CACHE_MAX_AGE_SEC: seconds(5 * 60),
    SESSION_FRESH_AGE_SEC: seconds(10 * 60),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === "production" && !env.BETTER_AUTH_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["BETTER_AUTH_SECRET"],
        message: "is required in production (at least 32 random characters)",
      });
    }
    if (env.SESSION_UPDATE_AGE_SEC >= env.SESSION_EXPIRES_IN_SEC) {
      ctx.addIssue({
        code: "custom",
        path: ["SESSION_UPDATE_AGE_SEC"],
        message: "must be shorter than SESSION_EXPIRES_IN_SEC",
      });
    }
  });

export interface SessionPolicy {
  expiresInSec: number;
  updateAgeSec: number;
  cookieCacheMaxAgeSec: number;
  freshAgeSec: number;
}

export interface Config {
  nodeEnv: "development" | "production" | "test";
  isProduction: boolean;
  host: string;
  port: number;
  baseUrl: string;
  databaseUrl: string | undefined;
  dataDir: string;
  /** Where the embedded database lives (inside dataDir). */
  pgliteDataDir: string;
  secret: string;
  trustedOrigins: string[];
  cookieDomain: string | undefined;
  cookiePrefix: string;
  /** Take the client IP from X-Forwarded-For (only behind a proxy you run). */
  trustProxy: boolean;
  session: SessionPolicy;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses the environment; throws ConfigError naming every bad variable. */
export function parseConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "(env)"} ${issue.message}`),
    );
  }
  const env = parsed.data;
  const isProduction = env.NODE_ENV === "production";
  const dataDir = path.resolve(env.DATA_DIR);
  const baseUrl = (env.BASE_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, "");
  const extraOrigins = (env.TRUSTED_ORIGINS ?? "")
    .split(",")
    .map((origin) => origin.trim())
    .filter(Boolean);
  const badOrigin = extraOrigins.find((origin) => !URL.canParse(origin));
  if (badOrigin) throw new ConfigError([`TRUSTED_ORIGINS has an invalid origin: ${badOrigin}`]);

  return {
    nodeEnv: env.NODE_ENV,
    isProduction,
    host: env.HOST ?? (isProduction ? "0.0.0.0" : "127.0.0.1"),
    port: env.PORT,
    baseUrl,
    databaseUrl: env.DATABASE_URL,
    dataDir,
    pgliteDataDir: path.join(dataDir, "pglite"),
    secret: env.BETTER_AUTH_SECRET ?? developmentSecret(dataDir),
    trustedOrigins: [
      ...new Set([new URL(baseUrl).origin, ...extraOrigins.map((o) => new URL(o).origin)]),
    ],
    cookieDomain: env.COOKIE_DOMAIN,
    cookiePrefix: env.COOKIE_PREFIX,
    trustProxy: env.TRUST_PROXY === "true",
    session: {
      expiresInSec: env.SESSION_EXPIRES_IN_SEC,
      updateAgeSec: env.SESSION_UPDATE_AGE_SEC,
      cookieCacheMaxAgeSec: env.SESSION_COOKIE_CACHE_MAX_AGE_SEC,
      freshAgeSec: env.SESSION_FRESH_AGE_SEC,
    },
  };
}

/**
 * Outside production a missing secret is generated once and kept in the data directory, so
 * sessions survive restarts without anyone having to invent a secret for a first run.
 */
function developmentSecret(dataDir: string): string {
  const file = path.join(dataDir, "auth-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
