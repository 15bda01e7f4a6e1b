/** What the SPA shows when a sign-in or sign-up is rate limited. */
import { describe, expect, it } from "vitest";
import { describeAuthError } from "../../client/features/auth/auth-errors";
import { tooManyAttemptsMessage } from "../../server/account/attempt-limit";

describe("rate limit messages", () => {
  it("says how long to wait: seconds below two minutes, whole minutes (rounded up) from there", () => {
    expect(tooManyAttemptsMessage(1)).toBe("Too many attempts. Try again in 1 second.");
    expect(tooManyAttemptsMessage(42)).toBe("Too many attempts. Try again in 42 seconds.");
    expect(tooManyAttemptsMessage(119)).toBe("Too many attempts. Try again in 119 seconds.");
    expect(tooManyAttemptsMessage(120)).toBe("Too many attempts. Try again in 2 minutes.");
    expect(tooManyAttemptsMessage(121)).toBe("Too many attempts. Try again in 3 minutes.");
    expect(tooManyAttemptsMessage(900)).toBe("Too many attempts. Try again in 15 minutes.");
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
