/**
 * The one way a suite gets its app: `useTestApp(kind, env)` (the router, in-process) and
 * `useTestServer(kind, env)` (the real HTTP server on a loopback port), called in a `describe`.
 * Each registers a `beforeAll` that starts the app and an `afterAll` that closes it, and returns a
 * handle that stands for the app inside that describe's tests and hooks:
 *
 * ```ts
 * describe.each(databaseKinds)("sessions on %s", (kind) => {
 *   const app = useTestApp(kind, { SESSION_MAX_PER_USER: "2" });
 *   it("…", async () => { new Device(app.deps) … });
 * });
 * ```
 *
 * Hooks run in the order they are registered and `afterAll` in reverse (vitest's default
 * `sequence.hooks: "stack"`), so a `beforeAll` written after the call sees a started app and an
 * `afterAll` written after it runs before the app closes.
 */
import { afterAll, beforeAll } from "vitest";
import { createTestApp, startTestServer, type TestApp, type TestServer } from "./app";
import type { DatabaseKind } from "./environment";
import { type SmtpInbox, startSmtpInbox } from "./smtp-inbox";

export function useTestApp(kind: DatabaseKind, env: Record<string, string> = {}): TestApp {
  return useStarted("useTestApp", () => createTestApp(kind, env));
}

/** `staticDir`: what the server serves besides the API (by default `dist/client`). */
export function useTestServer(
  kind: DatabaseKind,
  env: Record<string, string> = {},
  staticDir?: string,
): TestServer {
  return useStarted("useTestServer", () => startTestServer(kind, env, staticDir));
}

/**
 * A real SMTP server for the describe's tests. Call it before `useTestServer(kind, withSmtp(inbox))`:
 * the inbox starts before the server that sends to it, and closes after it.
 */
export function useSmtpInbox(): SmtpInbox {
  return useStarted("useSmtpInbox", startSmtpInbox);
}

/**
 * `env` plus SMTP_URL of `inbox`, read when the server starts (the inbox has no port yet when the
 * describe is collected), and a MAIL_FROM.
 */
export function withSmtp(
  inbox: SmtpInbox,
  env: Record<string, string> = {},
): Record<string, string> {
  return {
    MAIL_FROM: "Typed Sessions <no-reply@example.test>",
    ...env,
    get SMTP_URL() {
      return inbox.url;
    },
  };
}

/**
 * Starts `start()` before the describe's tests and closes it after them; the returned object
 * forwards to what was started (a proxy, since it does not exist yet when the describe is
 * collected). Read outside those tests, it throws rather than hand out `undefined`.
 */
export function useStarted<T extends { close(): Promise<void> }>(
  name: string,
  start: () => Promise<T>,
): T {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  });
  afterAll(async () => {
    const closing = started;
    started = undefined;
    await closing?.close();
  });
  return new Proxy({} as T, {
    get(_target, key) {
      if (!started) {
        throw new Error(
          `${name}(): read "${String(key)}" outside the tests of the describe that called it (or it failed to start)`,
        );
      }
      const value = Reflect.get(started, key);
      return typeof value === "function" ? value.bind(started) : value;
    },
  });
}
