/**
 * Configuration: every environment variable is read here and nowhere else, parsed once at
 * start-up with zod, and a bad value stops the server with a message that names every offending
 * variable at once (t3-env / Epic Stack style). Units live in the names. Parsing has no side
 * effects: the development secret is made by the caller (./development-secret.ts).
 */
import { isIP } from "node:net";
import path from "node:path";
import { z } from "zod";

/** A duration in seconds; unset means "the profile's default". */
const seconds = z.coerce.number().int().positive().optional();
const HOUR_SEC = 60 * 60;
const DAY_SEC = 24 * HOUR_SEC;

/**
 * Session timeouts per profile. `standard`: 7 days idle, refreshed daily, a 5-minute cookie cache,
 * a 10-minute fresh window, plus a 30-day absolute lifetime
 * (NIST SP 800-63B AAL1 allows 30 days). `strict` follows AAL2: at most 1 h of inactivity and
 * 24 h in all. Its 5-minute update age means an active session slides its expiry (one write)
 * at most every 5 minutes, never on every request. Each value can still be set on its own.
 */
export const SESSION_PROFILES = {
  standard: {
    expiresInSec: 7 * DAY_SEC,
    updateAgeSec: DAY_SEC,
    cookieCacheMaxAgeSec: 5 * 60,
    freshAgeSec: 10 * 60,
    absoluteLifetimeSec: 30 * DAY_SEC,
  },
  strict: {
    expiresInSec: HOUR_SEC,
    updateAgeSec: 5 * 60,
    cookieCacheMaxAgeSec: 60,
    freshAgeSec: 10 * 60,
    absoluteLifetimeSec: DAY_SEC,
  },
} as const;

export type SessionProfile = keyof typeof SESSION_PROFILES;
export const SESSION_LIMIT_POLICIES = ["evict-oldest", "deny"] as const;
export type SessionLimitPolicy = (typeof SESSION_LIMIT_POLICIES)[number];
export const SESSION_BINDING_MODES = ["off", "audit", "strict"] as const;
export type SessionBindingMode = (typeof SESSION_BINDING_MODES)[number];
/**
 * `optional` (default): sign-up sends a link and the SPA asks for it until it is used; `required`:
 * no session until the address is verified; `off`: addresses are never verified (nor email
 * changes confirmed by mail). docs/sessions.md, "Verified addresses".
 */
export const EMAIL_VERIFICATION_MODES = ["off", "optional", "required"] as const;
export type EmailVerificationMode = (typeof EMAIL_VERIFICATION_MODES)[number];
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

/** A comma-separated list (unset: empty), each entry trimmed and checked by `isValid`. */
function commaList(isValid: (entry: string) => boolean, problem: (entry: string) => string) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      const entries = (value ?? "")
        .split(",")
        .map((entry) => entry.trim())
        .filter(Boolean);
      for (const entry of entries.filter((entry) => !isValid(entry))) {
        ctx.addIssue({ code: "custom", message: problem(entry) });
      }
      return entries;
    });
}

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
    /**
     * `transaction`: DATABASE_URL goes through a transaction-pooling proxy such as PgBouncer, so
     * no prepared statements and nothing that outlives a transaction (docs: "Deploying behind a
     * connection pooler").
     */
    DATABASE_POOLER: z.enum(["none", "transaction"]).default("none"),
    /** A direct connection (not through the pooler) for LISTEN; default: DATABASE_URL. */
    DATABASE_LISTEN_URL: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
        .optional(),
    ),
    DATA_DIR: z.string().default(".data"),
    BETTER_AUTH_SECRET: optionalString.pipe(
      z.string().min(32, "must be at least 32 characters").optional(),
    ),
    /**
     * Secrets a rotation replaced (comma-separated, newest first): cookies they signed are still
     * accepted, and re-signed with BETTER_AUTH_SECRET, until they are removed from this list.
     */
    BETTER_AUTH_PREVIOUS_SECRETS: commaList(
      (entry) => entry.length >= 32,
      // Never echoed: it is a secret.
      () => "must list secrets of at least 32 characters each, comma-separated",
    ),
    TRUSTED_ORIGINS: commaList(
      (origin) => URL.canParse(origin) && /^https?:$/.test(new URL(origin).protocol),
      (origin) => `has an invalid origin: ${origin}`,
    ),
    COOKIE_DOMAIN: optionalString,
    COOKIE_PREFIX: z
      .string()
      .regex(/^[a-z0-9-]+$/i, "letters, digits and dashes only")
      .default("better-auth"),
    TRUSTED_PROXIES: commaList(
      isAddressOrRange,
      (entry) => `has an invalid address or range: ${entry}`,
    ),
    LOG_LEVEL: z
      .string()
      .trim()
      .toLowerCase()
      .default("info")
      .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` })),
    SESSION_PROFILE: z.enum(["standard", "strict"]).default("standard"),
    SESSION_EXPIRES_IN_SEC: seconds,
    SESSION_UPDATE_AGE_SEC: seconds,
    SESSION_COOKIE_CACHE_MAX_AGE_SEC: seconds,
    SESSION_FRESH_AGE_SEC: seconds,
    SESSION_ABSOLUTE_LIFETIME_SEC: seconds,
    SESSION_MAX_PER_USER: z.coerce.number().int().min(1).max(1000).default(5),
    SESSION_LIMIT_POLICY: z.enum(SESSION_LIMIT_POLICIES).default("evict-oldest"),
    SESSION_BINDING: z.enum(SESSION_BINDING_MODES).default("audit"),
    /** 0 turns the in-server cleanup off (run `npm run sessions:cleanup` from a scheduler instead). */
    SESSION_CLEANUP_INTERVAL_SEC: z.coerce.number().int().min(0).default(HOUR_SEC),
    SESSION_EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
    /** Backstop lifetime of an in-process cache entry; invalidation is pushed, not waited for. */
    SESSION_CACHE_TTL_SEC: z.coerce.number().int().min(0).max(3600).default(30),
    SESSION_CACHE_MAX_ENTRIES: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
    /**
     * Lifetime of a JWT for API clients. This server checks the session on every JWT request, but
     * a service that only verifies the signature (against /api/auth/jwks) sees a revocation when
     * the JWT expires: hence short by default, and at most a day.
     */
    JWT_EXPIRES_IN_SEC: z.coerce
      .number()
      .int()
      .min(1)
      .max(DAY_SEC)
      .default(15 * 60),
    /** `off` turns every rate limit off (in any NODE_ENV); anything else needs `on`. */
    RATE_LIMIT: z.enum(["on", "off"]).default("on"),
    RATE_LIMIT_IP_MAX: z.coerce.number().int().min(1).default(10),
    RATE_LIMIT_IP_WINDOW_SEC: z.coerce.number().int().min(1).max(DAY_SEC).default(60),
    RATE_LIMIT_ACCOUNT_MAX: z.coerce.number().int().min(1).default(10),
    RATE_LIMIT_ACCOUNT_WINDOW_SEC: z.coerce
      .number()
      .int()
      .min(1)
      .max(DAY_SEC)
      .default(15 * 60),
    /**
     * Where mail is sent (`smtp://user:pass@host:587`, `smtps://…`). Unset outside production:
     * mail is kept in the database and shown at /dev/mailbox. Never echoed: it may hold a password.
     */
    SMTP_URL: optionalString.pipe(
      z
        .string()
        .refine((value) => /^smtps?:\/\//.test(value) && URL.canParse(value), {
          message: "must be an smtp:// or smtps:// URL",
        })
        .optional(),
    ),
    /** The sender of every mail: `Name <address>` or an address. */
    MAIL_FROM: optionalString,
    EMAIL_VERIFICATION: z.enum(EMAIL_VERIFICATION_MODES).default("optional"),
    PASSWORD_RESET: z.enum(["on", "off"]).default("on"),
    NEW_DEVICE_ALERTS: z.enum(["on", "off"]).default("on"),
  })
  .superRefine((env, ctx) => {
    for (const name of ["DATABASE_LISTEN_URL", "DATABASE_POOLER"] as const) {
      const given = name === "DATABASE_POOLER" ? env[name] !== "none" : env[name] !== undefined;
      if (given && !env.DATABASE_URL) {
        ctx.addIssue({ code: "custom", path: [name], message: "needs DATABASE_URL" });
      }
    }
    if (env.NODE_ENV === "production" && !env.BETTER_AUTH_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["BETTER_AUTH_SECRET"],
        message: "is required in production (at least 32 random characters)",
      });
    }
    // Production mail goes out for real or the feature is off: a reset link kept in a database
    // table nobody reads would leave the user waiting for a mail that never comes.
    const mailFeatures = [
      env.PASSWORD_RESET === "on" && "PASSWORD_RESET",
      env.EMAIL_VERIFICATION !== "off" && "EMAIL_VERIFICATION",
      env.NEW_DEVICE_ALERTS === "on" && "NEW_DEVICE_ALERTS",
    ].filter(Boolean);
    if (env.NODE_ENV === "production" && !env.SMTP_URL && mailFeatures.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["SMTP_URL"],
        message: `is required in production while ${mailFeatures.join(", ")} need mail (or turn them off)`,
      });
    }
    if (env.SMTP_URL && !env.MAIL_FROM && env.NODE_ENV === "production") {
      ctx.addIssue({ code: "custom", path: ["MAIL_FROM"], message: "is required with SMTP_URL" });
    }
    const profile = SESSION_PROFILES[env.SESSION_PROFILE];
    const expiresInSec = env.SESSION_EXPIRES_IN_SEC ?? profile.expiresInSec;
    if ((env.SESSION_UPDATE_AGE_SEC ?? profile.updateAgeSec) >= expiresInSec) {
      ctx.addIssue({
        code: "custom",
        path: ["SESSION_UPDATE_AGE_SEC"],
        message: "must be shorter than SESSION_EXPIRES_IN_SEC",
      });
    }
  });

/** How sessions live and end (docs/sessions.md has every default and the reason for it). */
export interface SessionPolicy {
  profile: SessionProfile;
  /** Inactivity timeout: the sliding lifetime Better Auth gives a session. */
  expiresInSec: number;
  /** How old the expiry must be before a request slides it forward (one write per interval). */
  updateAgeSec: number;
  cookieCacheMaxAgeSec: number;
  /** How long after (re-)authentication sensitive actions need no password. */
  freshAgeSec: number;
  /** A session ends this long after sign-in, however active it is. */
  absoluteLifetimeSec: number;
  /** Live sessions one user may hold at once. */
  maxPerUser: number;
  /** What a sign-in past `maxPerUser` does: end the least recently active session, or be refused. */
  limitPolicy: SessionLimitPolicy;
  /** Compare each request's network and browser with the session's: ignore, record, or end it. */
  binding: SessionBindingMode;
}

/** Rate limits of password attempts (docs/security.md), counted in the database. */
export interface RateLimitPolicy {
  enabled: boolean;
  /** Sign-in and sign-up requests per client IP (each path counted apart) per window. */
  ipMax: number;
  ipWindowSec: number;
  /**
   * Failed password attempts per account per window, from any IP: sign-in by email,
   * re-authentication and password change by user id. A success clears the account's count.
   */
  accountMax: number;
  accountWindowSec: number;
}

export interface DatabaseConfig {
  /** PostgreSQL; unset: the embedded database in `pgliteDataDir`. */
  url: string | undefined;
  /** Where LISTEN connects when `url` goes through a pooler that cannot keep it. */
  listenUrl: string | undefined;
  pooler: "none" | "transaction";
  /** Where the embedded database lives (inside DATA_DIR). */
  pgliteDataDir: string;
}

/** The settings, grouped by the part of the server they configure. */
export interface Config {
  nodeEnv: "development" | "production" | "test";
  isProduction: boolean;
  logLevel: LogLevel;
  http: {
    host: string;
    port: number;
    /** The public URL: routes, origins and cookie attributes follow it, never a request header. */
    baseUrl: string;
    /**
     * Origins allowed to send cookie-bearing requests (CSRF, CORS) and Better Auth's sign-up and
     * sign-in: BASE_URL's, TRUSTED_ORIGINS, and outside production their loopback aliases.
     */
    trustedOrigins: string[];
    /** Proxies (IPs or CIDR ranges) whose X-Forwarded-For is believed; empty: the socket address is the client. */
    trustedProxies: string[];
  };
  database: DatabaseConfig;
  /** Where the embedded database and the generated development secret live. */
  dataDir: string;
  secrets: {
    /** Signs cookies and encrypts the JWT signing key. */
    current: string;
    /** Replaced by a rotation, newest first: they verify cookies, never sign them. */
    previous: string[];
  };
  cookies: { domain: string | undefined; prefix: string };
  session: SessionPolicy;
  /** The in-process session cache: entry lifetime (0 = no cache) and size bound. */
  sessionCache: { ttlSec: number; maxEntries: number };
  /** The in-server cleanup (0 = off: run `npm run sessions:cleanup` from a scheduler) and how long events are kept. */
  cleanup: { intervalSec: number; eventRetentionDays: number };
  /** JWTs for API clients (GET /api/auth/token, ADR 0012): how long one is valid after it is issued. */
  jwt: { expiresInSec: number };
  rateLimit: RateLimitPolicy;
  mail: MailConfig;
}

export interface MailConfig {
  /** Null: no SMTP server, mail is kept in the outbox and shown at /dev/mailbox (never in production). */
  smtpUrl: string | null;
  from: string;
  emailVerification: EmailVerificationMode;
  passwordReset: boolean;
  newDeviceAlerts: boolean;
  /** The development mailbox page and its procedure answer (no SMTP server, not production). */
  devMailbox: boolean;
}

export interface ParseOptions {
  /**
   * Outside production, where BETTER_AUTH_SECRET may be left unset: the secret to use instead
   * (server/main.ts generates one into DATA_DIR once). Without it the variable is required.
   */
  developmentSecret?: (dataDir: string) => string;
}

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
    this.name = "ConfigError";
  }
}

/** Parses the environment; throws ConfigError naming every bad variable. */
export function parseConfig(
  source: NodeJS.ProcessEnv = process.env,
  options: ParseOptions = {},
): Config {
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
  const secret = env.BETTER_AUTH_SECRET ?? options.developmentSecret?.(dataDir);
  if (!secret) {
    throw new ConfigError([
      "BETTER_AUTH_SECRET is required (at least 32 random characters); `npm start` generates one for development",
    ]);
  }
  const profile = SESSION_PROFILES[env.SESSION_PROFILE];

  return {
    nodeEnv: env.NODE_ENV,
    isProduction,
    logLevel: env.LOG_LEVEL,
    http: {
      host: env.HOST ?? (isProduction ? "0.0.0.0" : "127.0.0.1"),
      port: env.PORT,
      baseUrl,
      trustedOrigins: trustedOriginsOf(
        [baseUrl, ...env.TRUSTED_ORIGINS].map((origin) => new URL(origin).origin),
        isProduction,
      ),
      trustedProxies: env.TRUSTED_PROXIES,
    },
    database: {
      url: env.DATABASE_URL,
      listenUrl: env.DATABASE_LISTEN_URL,
      pooler: env.DATABASE_POOLER,
      pgliteDataDir: path.join(dataDir, "pglite"),
    },
    dataDir,
    secrets: { current: secret, previous: env.BETTER_AUTH_PREVIOUS_SECRETS },
    cookies: { domain: env.COOKIE_DOMAIN, prefix: env.COOKIE_PREFIX },
    session: {
      profile: env.SESSION_PROFILE,
      expiresInSec: env.SESSION_EXPIRES_IN_SEC ?? profile.expiresInSec,
      updateAgeSec: env.SESSION_UPDATE_AGE_SEC ?? profile.updateAgeSec,
      cookieCacheMaxAgeSec: env.SESSION_COOKIE_CACHE_MAX_AGE_SEC ?? profile.cookieCacheMaxAgeSec,
      freshAgeSec: env.SESSION_FRESH_AGE_SEC ?? profile.freshAgeSec,
      absoluteLifetimeSec: env.SESSION_ABSOLUTE_LIFETIME_SEC ?? profile.absoluteLifetimeSec,
      maxPerUser: env.SESSION_MAX_PER_USER,
      limitPolicy: env.SESSION_LIMIT_POLICY,
      binding: env.SESSION_BINDING,
    },
    sessionCache: { ttlSec: env.SESSION_CACHE_TTL_SEC, maxEntries: env.SESSION_CACHE_MAX_ENTRIES },
    cleanup: {
      intervalSec: env.SESSION_CLEANUP_INTERVAL_SEC,
      eventRetentionDays: env.SESSION_EVENT_RETENTION_DAYS,
    },
    jwt: { expiresInSec: env.JWT_EXPIRES_IN_SEC },
    rateLimit: {
      enabled: env.RATE_LIMIT === "on",
      ipMax: env.RATE_LIMIT_IP_MAX,
      ipWindowSec: env.RATE_LIMIT_IP_WINDOW_SEC,
      accountMax: env.RATE_LIMIT_ACCOUNT_MAX,
      accountWindowSec: env.RATE_LIMIT_ACCOUNT_WINDOW_SEC,
    },
    mail: {
      smtpUrl: env.SMTP_URL ?? null,
      from: env.MAIL_FROM ?? `Typed Sessions <no-reply@${new URL(baseUrl).hostname}>`,
      emailVerification: env.EMAIL_VERIFICATION,
      passwordReset: env.PASSWORD_RESET === "on",
      newDeviceAlerts: env.NEW_DEVICE_ALERTS === "on",
      devMailbox: !isProduction && !env.SMTP_URL,
    },
  };
}

/** The spellings of this machine's loopback address a browser may show in its address bar. */
const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"];

/**
 * The origins trusted for CSRF and CORS, once each. Outside production a loopback origin brings
 * its other loopback spellings on the same scheme and port (ADR 0023): the server prints
 * `localhost`, binds `127.0.0.1`, and whichever one a developer opens must be able to sign up.
 * Production trusts exactly what it is given.
 */
function trustedOriginsOf(origins: string[], isProduction: boolean): string[] {
  const trusted = new Set<string>();
  for (const origin of origins) {
    trusted.add(origin);
    const url = new URL(origin);
    if (isProduction || !LOOPBACK_HOSTS.includes(url.hostname)) continue;
    for (const host of LOOPBACK_HOSTS) {
      trusted.add(`${url.protocol}//${host}${url.port ? `:${url.port}` : ""}`);
    }
  }
  return [...trusted];
}

/** An IPv4/IPv6 address, or one with a /prefix length. */
function isAddressOrRange(entry: string): boolean {
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}
