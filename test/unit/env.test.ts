import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../server/env";

const SECRET = "x".repeat(32);

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
  it("applies the seed's session policy by default", () => {
    const config = parseConfig({ BETTER_AUTH_SECRET: SECRET });
    expect(config.session).toEqual({
      expiresInSec: 7 * 24 * 3600,
      updateAgeSec: 24 * 3600,
      cookieCacheMaxAgeSec: 300,
      freshAgeSec: 600,
    });
    expect(config.cookiePrefix).toBe("better-auth");
    expect(config.baseUrl).toBe("http://localhost:3000");
    expect(config.trustedOrigins).toEqual(["http://localhost:3000"]);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.host).toBe("127.0.0.1");
  });

  it("names every bad variable at once", () => {
    const problems = problemsOf({
      PORT: "70000",
      DATABASE_URL: "mysql://nope",
      SESSION_FRESH_AGE_SEC: "0",
      BETTER_AUTH_SECRET: "short",
    });
    const named = problems.join("\n");
    for (const variable of [
      "PORT",
      "DATABASE_URL",
      "SESSION_FRESH_AGE_SEC",
      "BETTER_AUTH_SECRET",
    ]) {
      expect(named).toContain(variable);
    }
  });

  it("requires a secret in production and listens on all interfaces there", () => {
    expect(problemsOf({ NODE_ENV: "production", BETTER_AUTH_SECRET: "" })).toEqual([
      "BETTER_AUTH_SECRET is required in production (at least 32 random characters)",
    ]);
    expect(parseConfig({ NODE_ENV: "production", BETTER_AUTH_SECRET: SECRET }).host).toBe(
      "0.0.0.0",
    );
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
    expect(config.baseUrl).toBe("https://app.example.com");
    expect(config.trustedOrigins).toEqual(["https://app.example.com", "https://admin.example.com"]);
    expect(problemsOf({ TRUSTED_ORIGINS: "not a url" })).toEqual([
      "TRUSTED_ORIGINS has an invalid origin: not a url",
    ]);
  });
});
