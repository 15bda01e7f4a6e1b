/** What the SPA shows when a sign-in or sign-up is rate limited. */
import { describe, expect, it } from "vitest";
import { describeAuthError } from "../../client/features/auth/auth-errors";
import { tooManyAttemptsMessage } from "../../server/sessions/rate-limit";

describe("rate limit messages", () => {
  it("says how many seconds to wait", () => {
    expect(tooManyAttemptsMessage(42)).toBe("Too many attempts. Try again in 42 seconds.");
    expect(tooManyAttemptsMessage(1)).toBe("Too many attempts. Try again in 1 second.");
  });

  it("shows the server's message on sign-in and sign-up, or a fallback for a bare 429", () => {
    const message = tooManyAttemptsMessage(37);
    expect(describeAuthError({ status: 429, code: "TOO_MANY_REQUESTS", message })).toEqual({
      field: null,
      message,
    });
    expect(describeAuthError({ status: 429, message: "Too many requests." })).toEqual({
      field: null,
      message: "Too many attempts. Wait a minute and try again.",
    });
  });
});
