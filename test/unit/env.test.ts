import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../server/env";

const SECRET = "x".repeat(32);
/** Production without an SMTP server: every feature that needs mail turned off. */
const MAIL_OFF = { EMAIL_VERIFICATION: "off", PASSWORD_RESET: "off", NEW_DEVICE_ALERTS: "off" };

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig({ BETTER_AUTH_SECRET: SECRET, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("parseConfig", () => {
  it("applies the standard session policy by default (7 days, daily refresh, 5-minute cookie cache, 10-minute fresh window)", () => {
    const config = parseConfig({ BETTER_AUTH_SECRET: SECRET });
    expect(config.session).toEqual({
      profile: "standard",
      expiresInSec: 7 * 24 * 3600,
      updateAgeSec: 24 * 3600,
      cookieCacheMaxAgeSec: 300,
      freshAgeSec: 600,
      absoluteLifetimeSec: 30 * 24 * 3600,
      maxPerUser: 5,
      limitPolicy: "evict-oldest",
      binding: "audit",
    });
    expect(config.sessionCache).toEqual({ ttlSec: 30, maxEntries: 10_000 });
    expect(config.cleanup).toEqual({ intervalSec: 3600, eventRetentionDays: 90 });
    expect(config.logLevel).toBe("info");
    expect(config.http.trustedProxies).toEqual([]);
    expect(config.cookies.prefix).toBe("better-auth");
    expect(config.http.baseUrl).toBe("http://localhost:3000");
    expect(config.http.trustedOrigins).toEqual([
      "http://localhost:3000",
      "http://127.0.0.1:3000",
      "http://[::1]:3000",
    ]);
    expect(config.database.url).toBeUndefined();
    expect(config.http.host).toBe("127.0.0.1");
  });

  it("names every bad variable at once, lists included, never echoing a secret", () => {
    const problems = problemsOf({
      PORT: "70000",
      DATABASE_URL: "mysql://nope",
      SESSION_FRESH_AGE_SEC: "0",
      BETTER_AUTH_SECRET: "short",
      BETTER_AUTH_PREVIOUS_SECRETS: "previous-but-short",
      TRUSTED_ORIGINS: "https://ok.example.com, ftp://nope",
      TRUSTED_PROXIES: "10.0.0.0/8, 300.1.1.1",
      LOG_LEVEL: "verbose",
    });
    expect(problems).toHaveLength(8);
    const named = problems.join("\n");
    for (const variable of [
      "PORT",
      "DATABASE_URL",
      "SESSION_FRESH_AGE_SEC",
      "BETTER_AUTH_SECRET",
      "BETTER_AUTH_PREVIOUS_SECRETS",
      "TRUSTED_ORIGINS has an invalid origin: ftp://nope",
      "TRUSTED_PROXIES has an invalid address or range: 300.1.1.1",
      "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent",
    ]) {
      expect(named).toContain(variable);
    }
    expect(named).not.toContain("previous-but-short");
  });

  it("reads LOG_LEVEL in any case, and has no side effect: the development secret comes from the caller", () => {
    expect(parseConfig({ BETTER_AUTH_SECRET: SECRET, LOG_LEVEL: " WARN " }).logLevel).toBe("warn");
    expect(() => parseConfig({ DATA_DIR: "/nonexistent/never-created" })).toThrow(
      /BETTER_AUTH_SECRET is required/,
    );
    const asked: string[] = [];
    const config = parseConfig(
      { DATA_DIR: "/nonexistent/never-created" },
      {
        developmentSecret: (dataDir) => {
          asked.push(dataDir);
          return "d".repeat(32);
        },
      },
    );
    expect(asked).toEqual(["/nonexistent/never-created"]);
    expect(config.secrets).toEqual({ current: "d".repeat(32), previous: [] });
    // Production never falls back to a generated secret.
    expect(() =>
      parseConfig({ NODE_ENV: "production" }, { developmentSecret: () => "d".repeat(32) }),
    ).toThrow(/BETTER_AUTH_SECRET is required in production/);
  });

  it("requires a secret in production and listens on all interfaces there", () => {
    expect(problemsOf({ NODE_ENV: "production", BETTER_AUTH_SECRET: "", ...MAIL_OFF })).toEqual([
      "BETTER_AUTH_SECRET is required in production (at least 32 random characters)",
    ]);
    expect(
      parseConfig({ NODE_ENV: "production", BETTER_AUTH_SECRET: SECRET, ...MAIL_OFF }).http.host,
    ).toBe("0.0.0.0");
  });

  it("refuses an update age that is not shorter than the lifetime", () => {
    expect(problemsOf({ SESSION_EXPIRES_IN_SEC: "3600", SESSION_UPDATE_AGE_SEC: "3600" })).toEqual([
      "SESSION_UPDATE_AGE_SEC must be shorter than SESSION_EXPIRES_IN_SEC",
    ]);
  });

  it("trusts BASE_URL's origin plus TRUSTED_ORIGINS, and refuses a malformed origin", () => {
    const config = parseConfig({
      BETTER_AUTH_SECRET: SECRET,
      BASE_URL: "https://app.example.com/",
      TRUSTED_ORIGINS: "https://admin.example.com, https://app.example.com",
    });
    expect(config.http.baseUrl).toBe("https://app.example.com");
    expect(config.http.trustedOrigins).toEqual([
      "https://app.example.com",
      "https://admin.example.com",
    ]);
    expect(problemsOf({ TRUSTED_ORIGINS: "not a url" })).toEqual([
      "TRUSTED_ORIGINS has an invalid origin: not a url",
    ]);
  });

  it("trusts the loopback aliases of a loopback origin outside production only (ADR 0023)", () => {
    const development = parseConfig({
      BETTER_AUTH_SECRET: SECRET,
      BASE_URL: "http://127.0.0.1:4000",
      TRUSTED_ORIGINS: "http://localhost:5173, https://partner.example.com",
    });
    expect(development.http.trustedOrigins).toEqual([
      "http://127.0.0.1:4000",
      "http://localhost:4000",
      "http://[::1]:4000",
      "http://localhost:5173",
      "http://127.0.0.1:5173",
      "http://[::1]:5173",
      "https://partner.example.com",
    ]);
    // Another port, scheme or a look-alike host is not an alias.
    expect(development.http.trustedOrigins).not.toContain("http://localhost:4001");
    expect(development.http.trustedOrigins).not.toContain("https://localhost:4000");
    const production = parseConfig({
      NODE_ENV: "production",
      BETTER_AUTH_SECRET: SECRET,
      BASE_URL: "http://localhost:4000",
      ...MAIL_OFF,
    });
    expect(production.http.trustedOrigins).toEqual(["http://localhost:4000"]);
    const remote = parseConfig({ BETTER_AUTH_SECRET: SECRET, BASE_URL: "http://app.test:4000" });
    expect(remote.http.trustedOrigins).toEqual(["http://app.test:4000"]);
  });

  it("has a strict profile that follows NIST SP 800-63B AAL2, each value still settable", () => {
    const strict = parseConfig({ BETTER_AUTH_SECRET: SECRET, SESSION_PROFILE: "strict" });
    expect(strict.session).toMatchObject({
      profile: "strict",
      expiresInSec: 3600,
      absoluteLifetimeSec: 24 * 3600,
      freshAgeSec: 600,
    });
    // Sliding without a write on every request: at most one refresh per update age.
    expect(strict.session.updateAgeSec).toBeGreaterThanOrEqual(60);
    expect(strict.session.updateAgeSec).toBeLessThan(strict.session.expiresInSec);
    const tuned = parseConfig({
      BETTER_AUTH_SECRET: SECRET,
      SESSION_PROFILE: "strict",
      SESSION_ABSOLUTE_LIFETIME_SEC: "43200",
    });
    expect(tuned.session.absoluteLifetimeSec).toBe(43200);
    expect(tuned.session.expiresInSec).toBe(3600);
  });

  it("names bad session policy values", () => {
    const named = problemsOf({
      SESSION_PROFILE: "lax",
      SESSION_MAX_PER_USER: "0",
      SESSION_LIMIT_POLICY: "random",
      SESSION_BINDING: "maybe",
      SESSION_ABSOLUTE_LIFETIME_SEC: "-1",
    }).join("\n");
    for (const variable of [
      "SESSION_PROFILE",
      "SESSION_MAX_PER_USER",
      "SESSION_LIMIT_POLICY",
      "SESSION_BINDING",
      "SESSION_ABSOLUTE_LIFETIME_SEC",
    ]) {
      expect(named).toContain(variable);
    }
  });

  it("parses trusted proxies and refuses a malformed one", () => {
    expect(
      parseConfig({ BETTER_AUTH_SECRET: SECRET, TRUSTED_PROXIES: "10.0.0.0/8, ::1, 192.0.2.1" })
        .http.trustedProxies,
    ).toEqual(["10.0.0.0/8", "::1", "192.0.2.1"]);
    expect(problemsOf({ TRUSTED_PROXIES: "10.0.0.0/33" })).toEqual([
      "TRUSTED_PROXIES has an invalid address or range: 10.0.0.0/33",
    ]);
    expect(problemsOf({ TRUSTED_PROXIES: "proxy.local" })).toHaveLength(1);
  });

  it("gives API clients' JWTs 15 minutes by default, settable up to a day", () => {
    expect(parseConfig({ BETTER_AUTH_SECRET: SECRET }).jwt).toEqual({ expiresInSec: 900 });
    expect(parseConfig({ BETTER_AUTH_SECRET: SECRET, JWT_EXPIRES_IN_SEC: "300" }).jwt).toEqual({
      expiresInSec: 300,
    });
    expect(
      parseConfig({ BETTER_AUTH_SECRET: SECRET, JWT_EXPIRES_IN_SEC: "86400" }).jwt.expiresInSec,
    ).toBe(86_400);
    for (const bad of ["0", "-5", "86401", "1.5", "15m"]) {
      const problems = problemsOf({ JWT_EXPIRES_IN_SEC: bad });
      expect(problems, bad).toHaveLength(1);
      expect(problems[0]).toMatch(/^JWT_EXPIRES_IN_SEC /);
    }
  });
  it("limits password attempts by default in every NODE_ENV, unless RATE_LIMIT=off", () => {
    for (const NODE_ENV of ["development", "test", "production"]) {
      expect(parseConfig({ BETTER_AUTH_SECRET: SECRET, NODE_ENV, ...MAIL_OFF }).rateLimit).toEqual({
        enabled: true,
        ipMax: 10,
        ipWindowSec: 60,
        accountMax: 10,
        accountWindowSec: 900,
      });
    }
    const custom = parseConfig({
      BETTER_AUTH_SECRET: SECRET,
      RATE_LIMIT: "off",
      RATE_LIMIT_IP_MAX: "3",
      RATE_LIMIT_IP_WINDOW_SEC: "10",
      RATE_LIMIT_ACCOUNT_MAX: "5",
      RATE_LIMIT_ACCOUNT_WINDOW_SEC: "3600",
    }).rateLimit;
    expect(custom).toEqual({
      enabled: false,
      ipMax: 3,
      ipWindowSec: 10,
      accountMax: 5,
      accountWindowSec: 3600,
    });
    for (const [name, bad] of [
      ["RATE_LIMIT", "no"],
      ["RATE_LIMIT_IP_MAX", "0"],
      ["RATE_LIMIT_IP_WINDOW_SEC", "1.5"],
      ["RATE_LIMIT_ACCOUNT_MAX", "-1"],
      ["RATE_LIMIT_ACCOUNT_WINDOW_SEC", "86401"],
    ] as const) {
      const problems = problemsOf({ [name]: bad });
      expect(problems, `${name}=${bad}`).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${name} `));
    }
  });

  describe("mail", () => {
    const SMTP = { SMTP_URL: "smtps://mailer:hunter2-secret@smtp.example.com:465" };

    it("by default: no SMTP server, mail kept for the development mailbox, every feature on, verification optional", () => {
      expect(
        parseConfig({ BETTER_AUTH_SECRET: SECRET, BASE_URL: "http://app.test:4000" }).mail,
      ).toEqual({
        smtpUrl: null,
        from: "Typed Sessions <no-reply@app.test>",
        emailVerification: "optional",
        passwordReset: true,
        newDeviceAlerts: true,
        devMailbox: true,
      });
    });

    it("production without SMTP_URL is refused, naming it and the features that need mail", () => {
      expect(problemsOf({ NODE_ENV: "production" })).toEqual([
        "SMTP_URL is required in production while PASSWORD_RESET, EMAIL_VERIFICATION, NEW_DEVICE_ALERTS need mail (or turn them off)",
      ]);
      for (const [on, value] of [
        ["PASSWORD_RESET", "on"],
        ["EMAIL_VERIFICATION", "optional"],
        ["EMAIL_VERIFICATION", "required"],
        ["NEW_DEVICE_ALERTS", "on"],
      ] as const) {
        const problems = problemsOf({ NODE_ENV: "production", ...MAIL_OFF, [on]: value });
        expect(problems, `${on}=${value}`).toEqual([
          `SMTP_URL is required in production while ${on} need mail (or turn them off)`,
        ]);
      }
      // The three off: production starts without mail, and without a mailbox page.
      const config = parseConfig({
        NODE_ENV: "production",
        BETTER_AUTH_SECRET: SECRET,
        ...MAIL_OFF,
      });
      expect(config.mail).toMatchObject({
        smtpUrl: null,
        emailVerification: "off",
        passwordReset: false,
        newDeviceAlerts: false,
        devMailbox: false,
      });
    });

    it("production with SMTP_URL needs MAIL_FROM; outside production a sender is made up from BASE_URL", () => {
      expect(problemsOf({ NODE_ENV: "production", ...SMTP })).toEqual([
        "MAIL_FROM is required with SMTP_URL",
      ]);
      const production = parseConfig({
        NODE_ENV: "production",
        BETTER_AUTH_SECRET: SECRET,
        MAIL_FROM: "Sessions <sessions@example.com>",
        ...SMTP,
      });
      expect(production.mail).toMatchObject({
        smtpUrl: SMTP.SMTP_URL,
        from: "Sessions <sessions@example.com>",
        devMailbox: false,
      });
      const development = parseConfig({ BETTER_AUTH_SECRET: SECRET, ...SMTP });
      expect(development.mail.from).toBe("Typed Sessions <no-reply@localhost>");
    });

    it("refuses an SMTP_URL that is not smtp:// or smtps://, never echoing it (it may hold a password)", () => {
      for (const bad of [
        "http://mailer:hunter2-secret@smtp.example.com",
        "smtp.example.com:587",
        "smtp://mailer:hunter2-secret@[not-a-host",
        "SMTP_URL=smtp://hunter2-secret",
      ]) {
        const problems = problemsOf({ SMTP_URL: bad });
        expect(problems, bad).toEqual(["SMTP_URL must be an smtp:// or smtps:// URL"]);
        expect(problems.join("\n")).not.toContain("hunter2");
      }
      // Blank is unset.
      expect(parseConfig({ BETTER_AUTH_SECRET: SECRET, SMTP_URL: "  " }).mail.smtpUrl).toBeNull();
    });

    it("names bad mail feature values", () => {
      const named = problemsOf({
        EMAIL_VERIFICATION: "sometimes",
        PASSWORD_RESET: "yes",
        NEW_DEVICE_ALERTS: "1",
      }).join("\n");
      for (const variable of ["EMAIL_VERIFICATION", "PASSWORD_RESET", "NEW_DEVICE_ALERTS"]) {
        expect(named).toContain(variable);
      }
    });

    it("has a development mailbox only outside production and without SMTP_URL", () => {
      const devMailbox = (env: Record<string, string>) =>
        parseConfig({ BETTER_AUTH_SECRET: SECRET, MAIL_FROM: "a@example.com", ...env }).mail
          .devMailbox;
      expect(devMailbox({ NODE_ENV: "development" })).toBe(true);
      expect(devMailbox({ NODE_ENV: "test" })).toBe(true);
      expect(devMailbox({ NODE_ENV: "development", ...SMTP })).toBe(false);
      expect(devMailbox({ NODE_ENV: "test", ...SMTP })).toBe(false);
      expect(devMailbox({ NODE_ENV: "production", ...SMTP })).toBe(false);
      expect(devMailbox({ NODE_ENV: "production", ...MAIL_OFF })).toBe(false);
    });
  });
});
