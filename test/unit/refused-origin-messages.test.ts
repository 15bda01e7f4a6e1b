/** What the SPA shows when the server refuses the page's origin: a sentence, never "Invalid origin". */
import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { describeAuthError } from "../../client/features/auth/auth-errors";
import { errorMessage } from "../../client/lib/errors";
import { refusedOriginMessage } from "../../client/lib/refused-origin";

const SENTENCE =
  "The server does not accept requests from this address (http://127.0.0.1:3000). Open the app at the address it was set up with (its BASE_URL) and try again.";

describe("refused origin messages", () => {
  it("names the page's address and what to do", () => {
    expect(refusedOriginMessage("http://127.0.0.1:3000")).toBe(SENTENCE);
    expect(refusedOriginMessage("null")).toBe(
      "The server does not accept requests from this address. Open the app at the address it was set up with (its BASE_URL) and try again.",
    );
  });

  it("replaces Better Auth's INVALID_ORIGIN and MISSING_OR_NULL_ORIGIN on sign-up and sign-in", () => {
    for (const code of ["INVALID_ORIGIN", "MISSING_OR_NULL_ORIGIN"]) {
      const failure = describeAuthError({ status: 403, code, message: "Invalid origin" });
      expect(failure.field).toBeNull();
      expect(failure.message).toMatch(/^The server does not accept requests from this address/);
      expect(failure.message).not.toContain("Invalid origin");
    }
  });

  it("reads our CSRF guard's refusal of /api/auth (tRPC's error shape)", () => {
    const failure = describeAuthError({
      status: 403,
      error: { data: { reason: "ORIGIN_NOT_ALLOWED" } },
    });
    expect(failure.message).toMatch(/^The server does not accept requests from this address/);
  });

  it("replaces ORIGIN_NOT_ALLOWED on tRPC calls", () => {
    const error = TRPCClientError.from({
      error: {
        message: "Origin http://127.0.0.1:3000 is not allowed",
        code: -32003,
        data: { code: "FORBIDDEN", httpStatus: 403, reason: "ORIGIN_NOT_ALLOWED" },
      },
    });
    expect(errorMessage(error)).toMatch(/^The server does not accept requests from this address/);
  });
});
