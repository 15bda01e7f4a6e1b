/**
 * A request never waits for, nor fails with, the SMTP server: it only writes the outbox, and the
 * delivery worker sends later. Checked through the real HTTP server against an SMTP_URL whose
 * port is closed (the attempt fails at once and is retried later) and one whose server accepts
 * the connection and never greets (the worker waits; the requests do not).
 */

import type { AddressInfo } from "node:net";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useTestServer } from "../support/fixtures";
import { HttpClient } from "../support/http-client";
import { outboxTo } from "../support/mailbox";
import { dataOf } from "../support/trpc-http";
import { waitFor } from "../support/wait";

/** Far below the SMTP client's 10-second connection and greeting timeouts (server/mail/smtp.ts). */
const PROMPT_MS = 3000;

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Accepts connections and says nothing: an SMTP server that hangs. */
async function silentServer(): Promise<{ url: string; sockets: Set<Socket>; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, sockets, server };
}

describe.each(databaseKinds)("mail with the SMTP server's port closed on %s", (kind) => {
  let port = 0;
  beforeAll(async () => {
    port = await closedPort();
  });
  const server = useTestServer(kind, {
    MAIL_FROM: "no-reply@example.test",
    get SMTP_URL() {
      return `smtp://127.0.0.1:${port}`;
    },
  });

  it("sign-up and a reset request succeed at once; their mails wait in the outbox for the retry", async () => {
    const credentials = newCredentials("outage");
    const client = new HttpClient(server.baseUrl);
    const signUp = await timed(() => client.signUp(credentials));
    expect(signUp.value.status).toBe(200);
    expect(signUp.ms).toBeLessThan(PROMPT_MS);
    const reset = await timed(() =>
      new HttpClient(server.baseUrl).mutate("links.requestPasswordReset", {
        email: credentials.email,
      }),
    );
    expect(await dataOf(reset.value)).toEqual({ sent: true });
    expect(reset.ms).toBeLessThan(PROMPT_MS);

    const tried = await waitFor(async () => {
      const rows = await outboxTo(server.database.db, credentials.email);
      return rows.length === 2 && rows.every((row) => row.attempts === 1 && row.lastError)
        ? rows
        : null;
    });
    for (const row of tried) {
      expect(row).toMatchObject({ status: "pending", leasedUntil: null, sentAt: null });
      expect(row.lastError).toMatch(/ECONNREFUSED/);
      // The bodies (and the link) stay until a delivery succeeds.
      expect(row.textBody).toContain("#token=");
      const waitMs = row.nextAttemptAt.getTime() - Date.now();
      expect(waitMs).toBeGreaterThan(20_000);
      expect(waitMs).toBeLessThanOrEqual(30_000);
    }
    expect(tried.map((row) => row.kind).sort()).toEqual(["password_reset", "verify_email"]);
  });
});

describe.each(databaseKinds)("mail with an SMTP server that never answers on %s", (kind) => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  beforeAll(async () => {
    silent = await silentServer();
  });
  const server = useTestServer(kind, {
    MAIL_FROM: "no-reply@example.test",
    get SMTP_URL() {
      return silent.url;
    },
  });
  // Before the app stops (hooks run in reverse): hang up and stop listening, so the waiting
  // worker gives up now and its next attempts are refused at once.
  afterAll(async () => {
    const closed = new Promise((resolve) => silent?.server.close(resolve));
    for (const socket of silent?.sockets ?? []) socket.destroy();
    await closed;
  });

  it("requests answer at once while the worker waits for a greeting", async () => {
    const credentials = newCredentials("silent");
    const signUp = await timed(() => new HttpClient(server.baseUrl).signUp(credentials));
    expect(signUp.value.status).toBe(200);
    expect(signUp.ms).toBeLessThan(PROMPT_MS);
    // The worker holds the sign-up's mail, connected and waiting.
    const held = await waitFor(async () => {
      const [row] = await outboxTo(server.database.db, credentials.email, "verify_email");
      return row?.leasedUntil && silent.sockets.size > 0 ? row : null;
    });
    expect(held).toMatchObject({ status: "pending", attempts: 1 });

    const again = await timed(async () => {
      const statuses = [];
      for (let i = 0; i < 3; i += 1) {
        const response = await new HttpClient(server.baseUrl).mutate("links.requestPasswordReset", {
          email: credentials.email,
        });
        statuses.push(response.status);
      }
      return statuses;
    });
    expect(again.value).toEqual([200, 200, 200]);
    expect(again.ms).toBeLessThan(PROMPT_MS);
    const resets = await waitFor(async () => {
      const rows = await outboxTo(server.database.db, credentials.email, "password_reset");
      return rows.length === 3 ? rows : null;
    });
    expect(resets.every((row) => row.status === "pending")).toBe(true);
  });
});
