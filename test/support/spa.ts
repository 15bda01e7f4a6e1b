/**
 * Harness for browser tests: the built SPA on the real server and database, Chromium devices,
 * and the few page actions every scenario repeats (typed as a user would type them).
 */
import { eq } from "drizzle-orm";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { expect, inject } from "vitest";
import { session, sessionEvent } from "../../db/schema";
import { startTestServer, type TestServer } from "./app";
import { expectAccessible } from "./axe";
import { launchBrowser, openDevice } from "./browser";
import type { Credentials } from "./device";
import { type DatabaseKind, databaseKinds } from "./environment";
import { useStarted } from "./fixtures";
import { userIdOf } from "./sessions";

export interface SpaHarness {
  server: TestServer;
  browser: Browser;
  /** A new device (browser context with its own cookies); closed with the harness. */
  device(userAgent?: string): ReturnType<typeof openDevice>;
  /** The user's sessions as the database has them. */
  sessionsOf(email: string): Promise<{ id: string; createdAt: Date }[]>;
  /** Moves every session of the user back in time, so it is no longer fresh. */
  ageSessions(email: string, byMs: number): Promise<void>;
  /** The user's activity events as the database has them (type and reason), oldest first. */
  eventsOf(email: string): Promise<{ type: string; reason: string | null }[]>;
  /**
   * Signs in through Better Auth's endpoint with the device's cookies and user agent, but not
   * through its page: a quick way to make sign-ins (and, in a browser already signed in,
   * replaced sessions) without typing.
   */
  signInOverHttp(
    context: BrowserContext,
    credentials: Pick<Credentials, "email" | "password">,
  ): Promise<{ status: number; body: unknown }>;
  /**
   * Runs axe on the page as it is, in the light and dark schemes at a desktop and a phone width,
   * checks that it does not scroll sideways, and fails on any violation (test/support/axe.ts). The SPA does not depend on the database, so
   * the check runs on the first database kind only.
   */
  expectAccessible(page: Page, state: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The server's environment, or a function that gives it when the server starts: for values known
 * only once an earlier `beforeAll` ran, such as the address of a test SMTP server
 * (`useSmtpInbox`, registered before `useSpa`, starts first).
 */
export type SpaEnv = Record<string, string> | (() => Record<string, string>);

/**
 * The harness for the calling describe (started before its tests, closed after them), as
 * `useTestServer` is for HTTP suites: the SPA built by the e2e project's global setup, served by
 * a real server on `kind` with `env`, and a Chromium.
 */
export function useSpa(kind: DatabaseKind, env: SpaEnv = {}): SpaHarness {
  return useStarted("useSpa", () => startSpa(kind, typeof env === "function" ? env() : env));
}

export async function startSpa(kind: DatabaseKind, env: Record<string, string> = {}) {
  const server = await startTestServer(kind, env, inject("spaDir"));
  const browser = await launchBrowser();
  const db = server.database.db;
  const userId = (email: string) => userIdOf(db, email);

  const harness: SpaHarness = {
    server,
    browser,
    device: (userAgent) => openDevice(browser, server.baseUrl, userAgent),
    async sessionsOf(email) {
      return db
        .select({ id: session.id, createdAt: session.createdAt })
        .from(session)
        .where(eq(session.userId, await userId(email)));
    },
    async ageSessions(email, byMs) {
      for (const row of await harness.sessionsOf(email)) {
        await db
          .update(session)
          .set({ createdAt: new Date(row.createdAt.getTime() - byMs) })
          .where(eq(session.id, row.id));
      }
    },
    async eventsOf(email) {
      return db
        .select({ type: sessionEvent.type, reason: sessionEvent.reason })
        .from(sessionEvent)
        .where(eq(sessionEvent.userId, await userId(email)))
        .orderBy(sessionEvent.id);
    },
    async signInOverHttp(context, { email, password }) {
      const response = await context.request.post("/api/auth/sign-in/email", {
        data: { email, password },
        headers: { origin: server.baseUrl },
      });
      return { status: response.status(), body: await response.json() };
    },
    async expectAccessible(page, state) {
      if (kind === databaseKinds[0]) await expectAccessible(page, state);
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
  return harness;
}

export async function signUpInBrowser(page: Page, credentials: Credentials) {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(credentials.name);
  await page.getByLabel("Email").fill(credentials.email);
  await page.getByLabel("Password").fill(credentials.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: `Welcome, ${credentials.name}` }).waitFor();
}

/** Fills the sign-in form of the page it is on (navigating there first unless told not to). */
export async function signInInBrowser(
  page: Page,
  credentials: Pick<Credentials, "email" | "password">,
  options: { navigate?: boolean } = {},
) {
  if (options.navigate ?? true) await page.goto("/sign-in");
  await page.getByLabel("Email").fill(credentials.email);
  await page.getByLabel("Password").fill(credentials.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Status of a tRPC query sent with the page's own cookies (what the SPA would get). */
export async function trpcStatus(page: Page, path: string) {
  const response = await page.context().request.get(`/api/trpc/${path}`);
  return response.status();
}

export function expectPath(page: Page, pathAndQuery: string) {
  const url = new URL(page.url());
  expect(url.pathname + url.search).toBe(pathAndQuery);
}

/** Follows a link of the main navigation, as a user moving between pages would. */
export async function openFromNav(page: Page, name: "Home" | "Sessions" | "Activity" | "Account") {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name }).click();
  const headings = {
    Home: /^Welcome/,
    Sessions: "Sessions",
    Activity: "Recent activity",
    Account: "Account",
  };
  await page.getByRole("heading", { name: headings[name], level: 1 }).waitFor();
}
