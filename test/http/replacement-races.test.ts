/**
 * Re-authentication and a password change replace the browser's session with a new one. Many of
 * them at once from one browser (a double click, a retrying client, a script) must leave exactly
 * one live session, and it must be the one the browser holds: never a session nobody holds.
 */
import { describe, expect, it } from "vitest";
import { databaseKinds } from "../support/environment";
import { useTestServer } from "../support/fixtures";
import { HttpClient } from "../support/http-client";
import { signedUpBrowser } from "../support/scenarios";
import { liveSessionIds } from "../support/sessions";

const PARALLEL = 20;

describe.each(databaseKinds)("parallel session replacements on %s", (kind) => {
  const server = useTestServer(kind);

  async function signedUpRacer() {
    const {
      client: browser,
      credentials,
      userId,
    } = await signedUpBrowser(server.baseUrl, {
      prefix: "race",
    });
    return { browser, credentials, userId };
  }

  /** The session the browser's cookie jar now holds, as the server sees it. */
  async function heldSessionId(browser: HttpClient): Promise<string | null> {
    const response = await browser.query("session.current");
    const body = await response.json();
    return body.result?.data?.session.id ?? null;
  }

  /** Each answer is a success or a typed refusal, never a 5xx. */
  async function outcomes(responses: Response[]) {
    const statuses = [];
    for (const response of responses) {
      const body = await response.json();
      statuses.push(
        response.status === 200 ? "ok" : `${response.status} ${body.error?.data?.reason}`,
      );
    }
    return statuses;
  }

  it(`${PARALLEL} parallel re-authentications leave one live session, the browser's`, async () => {
    const { browser, credentials, userId } = await signedUpRacer();
    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, () =>
        browser.mutate("session.reauthenticate", { password: credentials.password }),
      ),
    );
    const answers = await outcomes(responses);
    expect(answers.filter((answer) => answer === "ok")).toHaveLength(1);
    for (const answer of answers.filter((answer) => answer !== "ok")) {
      expect(answer).toBe("401 SESSION_REQUIRED");
    }
    const live = await liveSessionIds(server.database.db, userId);
    expect(live).toHaveLength(1);
    expect(await heldSessionId(browser)).toBe(live[0]);
  });

  it(`${PARALLEL} parallel password changes leave one live session, the browser's`, async () => {
    const { browser, credentials, userId } = await signedUpRacer();
    const newPassword = "another horse battery";
    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, () =>
        browser.mutate("account.changePassword", {
          currentPassword: credentials.password,
          newPassword,
          revokeOtherSessions: true,
        }),
      ),
    );
    const answers = await outcomes(responses);
    expect(answers.filter((answer) => answer === "ok")).toHaveLength(1);
    for (const answer of answers.filter((answer) => answer !== "ok")) {
      // Refused with a typed reason: the session was replaced, or the password changed under it.
      expect(["401 SESSION_REQUIRED", "401 INVALID_PASSWORD"]).toContain(answer);
    }
    const live = await liveSessionIds(server.database.db, userId);
    expect(live).toHaveLength(1);
    expect(await heldSessionId(browser)).toBe(live[0]);
    // The new password is the one that works.
    const other = new HttpClient(server.baseUrl);
    expect((await other.signIn({ email: credentials.email, password: newPassword })).status).toBe(
      200,
    );
  });
});
